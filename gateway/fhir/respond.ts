import type { Response } from 'express';
import type { Resource } from '../../adapters/types.js';
import { relativeAttachmentUrls } from './attachment-urls.js';
import { toSearchset } from './bundle.js';
import type { FhirExchange, ServiceBase } from './exchange.js';
import type { BinaryFormat } from './format.js';
import { FhirError, notFound } from './outcome.js';
import { sendResource } from './render.js';
import type { ReadRequest, FhirSearchRequest } from './request.js';
import type { SearchOutcome } from './search/index.js';

/**
 * Writes the answer: a searchset Bundle for a search, the resource for a read, the document
 * itself for a Binary read that asks for no FHIR format (FHIR binary.html). Every resource comes
 * here BSN-masked, from the final compartment check's walk (compartment.ts screenSearchAnswer).
 */
export function respondSearch(res: Response, ex: FhirExchange, service: ServiceBase, request: FhirSearchRequest, outcome: SearchOutcome, format: 'json' | 'xml', head: boolean): void {
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
  });
  ex.count = outcome.matches.length;
  sendResource(res, 200, bundle as unknown as Resource, format, service.fhirVersion, head);
}

/**
 * Headers of a document answer besides its Content-Type: shown in place, never sniffed as
 * something else (helmet sets nosniff too; repeated here because a document is where it matters).
 * `Cache-Control: no-store` is set for every FHIR answer (start-exchange.ts).
 */
export const DOCUMENT_HEADERS: Readonly<Record<string, string>> = {
  'Content-Disposition': 'inline',
  'X-Content-Type-Options': 'nosniff',
};

/** RFC 9110 media type, without parameters that could smuggle header syntax. */
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

function sendBinaryContent(res: Response, binary: Resource, head: boolean): void {
  const contentType = binary.contentType;
  // STU3 names the base64 payload `content`, R4 `data`.
  const data = binary.data ?? binary.content;
  if (typeof contentType !== 'string' || !MEDIA_TYPE.test(contentType) || typeof data !== 'string') {
    throw new FhirError(502, 'exception', 'the document cannot be served', { reason: 'binary_malformed' });
  }
  const body = Buffer.from(data, 'base64');
  res.status(200);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', body.length);
  for (const [name, value] of Object.entries(DOCUMENT_HEADERS)) res.setHeader(name, value);
  res.end(head ? undefined : body);
}

export function respondRead(res: Response, ex: FhirExchange, service: ServiceBase, request: ReadRequest, resource: Resource | undefined, format: BinaryFormat, head: boolean): void {
  if (!resource || resource.resourceType !== request.resourceType || resource.id !== request.id) {
    throw notFound(`no such ${request.resourceType} for this patient`);
  }
  ex.count = 1;
  if (format === 'raw') {
    sendBinaryContent(res, resource, head);
    return;
  }
  sendResource(res, 200, relativeAttachmentUrls(resource, service.url), format, service.fhirVersion, head);
}
