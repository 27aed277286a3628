import type { FhirVersion, Resource } from '../../../adapters/types.js';
import { parseFhirXml } from '../fhir-xml.js';
import { FhirError } from '../outcome.js';

/** One entry of a Delen batch as the PGO sent it: a resource to create (FHIR batch: POST {type}). */
export interface BatchEntry {
  /** `urn:uuid:…` the other entries may reference; absent when the PGO gave none. */
  readonly fullUrl: string | undefined;
  readonly resource: Resource;
}

export interface BatchRequest {
  /** `batch`: each entry on its own; `transaction`: all or nothing (FHIR http.html#transaction). */
  readonly type: 'batch' | 'transaction';
  readonly entries: readonly BatchEntry[];
}

/** At most this many entries: a PGO shares a few measurements per run, never a whole record. */
export const MAX_BATCH_ENTRIES = 100;

const UUID_URN = /^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;

const bad = (message: string, reason = 'invalid_bundle'): FhirError => new FhirError(400, 'invalid', message, { reason });

/**
 * The body of a POST to the base → a typed batch, or 400/415 naming what is wrong (never a value
 * from the body). Accepted: a Bundle of type `batch` or `transaction` (FHIR http.html#transaction;
 * whether the service takes that type is the caller's decision), every entry a
 * POST of its own resource type (`request.url` = the type: creates only, no conditional or
 * update), JSON or XML by Content-Type (FHIR http.html#mime-type).
 */
export function parseBatch(body: Buffer, contentType: string | undefined, version: FhirVersion): BatchRequest {
  const bundle = decode(body, contentType, version);
  if (bundle.resourceType !== 'Bundle') throw bad('a POST to the base takes a Bundle');
  const type = bundle['type'];
  if (type !== 'batch' && type !== 'transaction') throw bad('the Bundle must be of type batch or transaction');
  const raw = bundle['entry'];
  if (!Array.isArray(raw) || raw.length === 0) throw bad('the batch has no entries');
  if (raw.length > MAX_BATCH_ENTRIES) throw new FhirError(413, 'too-costly', `a batch holds at most ${MAX_BATCH_ENTRIES} entries`, { reason: 'batch_too_large' });
  const seen = new Set<string>();
  const entries = raw.map((e: unknown, i: number): BatchEntry => {
    if (!isObject(e)) throw bad(`entry ${i} is not an object`);
    const resource = e['resource'];
    if (!isObject(resource) || typeof resource['resourceType'] !== 'string' || !RESOURCE_TYPE.test(resource['resourceType'])) throw bad(`entry ${i} has no resource`);
    const request = e['request'];
    if (!isObject(request) || request['method'] !== 'POST') throw bad(`entry ${i}: only POST (create) is accepted`, 'batch_method_unsupported');
    if (request['url'] !== resource['resourceType']) throw bad(`entry ${i}: request.url must be the resource type`);
    const fullUrl = e['fullUrl'];
    if (fullUrl !== undefined && (typeof fullUrl !== 'string' || !UUID_URN.test(fullUrl))) throw bad(`entry ${i}: fullUrl must be a urn:uuid`);
    if (typeof fullUrl === 'string') {
      if (seen.has(fullUrl.toLowerCase())) throw bad(`entry ${i}: fullUrl occurs twice`);
      seen.add(fullUrl.toLowerCase());
    }
    return { fullUrl, resource: resource as Resource };
  });
  return { type, entries };
}

/**
 * The body of a plain create (`POST {base}/{type}`, FHIR http.html#create) → one resource of
 * that type, as a batch of one so it takes the same checks and write path.
 */
export function parseCreate(body: Buffer, contentType: string | undefined, version: FhirVersion, resourceType: string): BatchRequest {
  const resource = decode(body, contentType, version);
  if (resource.resourceType !== resourceType) throw bad('the body must be a resource of the type in the URL');
  return { type: 'batch', entries: [{ fullUrl: undefined, resource }] };
}

function decode(body: Buffer, contentType: string | undefined, version: FhirVersion): Resource {
  const mime = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const text = body.toString('utf8');
  if (mime === 'application/fhir+json' || mime === 'application/json' || mime === 'application/json+fhir') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw bad('the body is not valid JSON', 'body_unparsable');
    }
    if (!isObject(parsed) || typeof parsed['resourceType'] !== 'string') throw bad('the body is not a FHIR resource', 'body_unparsable');
    return parsed as Resource;
  }
  if (mime === 'application/fhir+xml' || mime === 'application/xml' || mime === 'application/xml+fhir') {
    try {
      return parseFhirXml(text, version);
    } catch {
      throw bad('the body is not valid FHIR XML', 'body_unparsable');
    }
  }
  throw new FhirError(415, 'not-supported', 'send application/fhir+json or application/fhir+xml', { reason: 'unsupported_media_type' });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
