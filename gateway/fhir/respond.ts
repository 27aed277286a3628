import type { Resource } from '../../adapters/types.js';
import { relativeAttachmentUrls } from './attachment-urls.js';
import { toSearchset } from './bundle.js';
import type { ServiceBase } from './exchange.js';
import type { BinaryFormat, FhirFormat } from './format.js';
import { FhirError, notFound } from './outcome.js';
import type { ReadRequest, FhirSearchRequest } from './request.js';
import type { SearchOutcome } from './search/index.js';
import type { AnswerBody } from './core/types.js';

/** What the respond step gives the core: status, content headers and the body. */
export interface Rendered {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | number>>;
  readonly body: AnswerBody;
  readonly count: number;
}

/** No content headers beyond the core's own (a search's Bundle): one shared value, so the core can tell. */
export const NO_HEADERS: Readonly<Record<string, string | number>> = Object.freeze({});

/**
 * The answer to a search: a searchset Bundle with attachment URLs made relative to the base. Every
 * resource comes here BSN-masked, from the access decision's post-check (compartment.ts, one walk).
 */
export function respondSearch(service: ServiceBase, request: FhirSearchRequest, outcome: SearchOutcome, format: FhirFormat): Rendered {
  const bundle = toSearchset({
    base: service.url,
    path: request.operation === 'lastn' ? `${request.resourceType}/$lastn` : request.resourceType,
    params: request.all,
    matches: outcome.matches.map((r) => relativeAttachmentUrls(r, service.url)),
    includes: outcome.includes.map((r) => relativeAttachmentUrls(r, service.url)),
    total: outcome.total,
    offset: request.offset,
    ...(request.count === undefined ? {} : { count: request.count }),
    ...(outcome.pageKey === undefined ? {} : { pageKey: outcome.pageKey }),
  }, service.fhirVersion);
  return { status: 200, headers: NO_HEADERS, body: { kind: 'resource', resource: bundle, format, fhirVersion: service.fhirVersion }, count: outcome.matches.length };
}

/**
 * Headers of a document answer besides its Content-Type: shown in place, never sniffed as
 * something else (helmet sets nosniff too; repeated here because a document is where it matters).
 * `Cache-Control: no-store` is set for every FHIR answer (core/handle.ts).
 */
export const DOCUMENT_HEADERS: Readonly<Record<string, string>> = {
  'Content-Disposition': 'inline',
  'X-Content-Type-Options': 'nosniff',
};

/** RFC 9110 media type, without parameters that could smuggle header syntax. */
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

function binaryContent(binary: Resource): Rendered {
  const contentType = binary.contentType;
  // STU3 names the base64 payload `content`, R4 `data`.
  const data = binary.data ?? binary.content;
  if (typeof contentType !== 'string' || !MEDIA_TYPE.test(contentType) || typeof data !== 'string') {
    throw new FhirError(502, 'exception', 'the document cannot be served', { reason: 'binary_malformed' });
  }
  return { status: 200, headers: { 'Content-Type': contentType, ...DOCUMENT_HEADERS }, body: { kind: 'bytes', bytes: Buffer.from(data, 'base64') }, count: 1 };
}

/**
 * The answer to a read: the resource (BSN-masked), or for a Binary read that asks for no FHIR
 * format the document itself (FHIR binary.html).
 */
export function respondRead(service: ServiceBase, request: ReadRequest, resource: Resource | undefined, format: BinaryFormat): Rendered {
  if (!resource || resource.resourceType !== request.resourceType || resource.id !== request.id) {
    throw notFound(`no such ${request.resourceType} for this patient`);
  }
  if (format === 'raw') return binaryContent(resource);
  const served = relativeAttachmentUrls(resource, service.url);
  return { status: 200, headers: {}, body: { kind: 'resource', resource: served, format, fhirVersion: service.fhirVersion }, count: 1 };
}
