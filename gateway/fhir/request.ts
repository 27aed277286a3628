import type { FhirVersion, SearchParam } from '../../adapters/types.js';
import { badRequest, FhirError } from './outcome.js';
import { parseSearchRequest, type SearchRequest } from './search/index.js';

/**
 * The typed value of one FHIR API request (house rule 2): everything after this parse reads these
 * fields, never `req`. A search is parsed here once, into the SearchRequest that the catalogue
 * (policy.ts), the engine and the adapters all read (search/search-request.ts). Whether a query
 * is allowed for the base is policy.ts's call.
 */
export interface FhirSearchRequest extends SearchRequest {
  readonly interaction: 'search-type';
}

export interface ReadRequest {
  readonly interaction: 'read';
  readonly resourceType: string;
  readonly id: string;
  /** Every query parameter as sent (only `_format` is allowed on a read). */
  readonly all: readonly SearchParam[];
  readonly format?: string;
}

export type FhirRequest = FhirSearchRequest | ReadRequest;

export interface RawFhirRequest {
  readonly method: string;
  /** Path segments after `{provider}/{service}`, still percent-encoded. */
  readonly segments: readonly string[];
  /** The query string without `?`, as received. */
  readonly rawQuery: string;
}

const MAX_QUERY_LENGTH = 8192;
const MAX_PARAMS = 64;
const MAX_VALUE_LENGTH = 2048;

const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;
/** FHIR `id` datatype (both versions): 1–64 of [A-Za-z0-9-.]. */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_.\-]{0,63}(:[A-Za-z][A-Za-z0-9\-]{0,63})?$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

function decode(part: string, what: string): string {
  try {
    // RFC 3986 percent-decoding; '+' stays '+' (a literal '+' is a time-zone sign in FHIR dates).
    return decodeURIComponent(part);
  } catch {
    throw badRequest(`the ${what} is not correctly percent-encoded`);
  }
}

export function parseQueryString(rawQuery: string): SearchParam[] {
  if (rawQuery.length > MAX_QUERY_LENGTH) throw badRequest('the query string is too long', 'too-costly');
  if (rawQuery === '') return [];
  const params: SearchParam[] = [];
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const name = decode(eq < 0 ? piece : piece.slice(0, eq), 'query');
    const value = eq < 0 ? '' : decode(piece.slice(eq + 1), 'query');
    if (!PARAM_NAME.test(name)) throw badRequest('a query parameter name is malformed');
    if (value.length > MAX_VALUE_LENGTH || CONTROL_CHARS.test(value)) throw badRequest(`the value of parameter ${name} is malformed`);
    params.push({ name, value });
  }
  if (params.length > MAX_PARAMS) throw badRequest('too many query parameters', 'too-costly');
  return params;
}

function parseSearch(fhirVersion: FhirVersion, resourceType: string, operation: 'lastn' | undefined, all: readonly SearchParam[]): FhirSearchRequest {
  return { interaction: 'search-type', ...parseSearchRequest({ fhirVersion, resourceType, ...(operation ? { operation } : {}), params: all }) };
}

function parseRead(resourceType: string, id: string, all: readonly SearchParam[]): ReadRequest {
  let format: string | undefined;
  for (const p of all) {
    if (p.name !== '_format' || format !== undefined) throw badRequest(`parameter ${p.name} is not supported on a read`, 'not-supported');
    format = p.value;
  }
  return { interaction: 'read', resourceType, id, all, ...(format === undefined ? {} : { format }) };
}

/**
 * `GET {base}/{type}`, `GET {base}/{type}/{id}` and `GET {base}/Observation/$lastn`. Anything else
 * (other methods, other operations, deeper paths such as `_history`) is refused: the MedMij
 * services are read-only searches (digest §3, §7).
 */
export function parseFhirRequest(raw: RawFhirRequest, fhirVersion: FhirVersion): FhirRequest {
  if (raw.method !== 'GET' && raw.method !== 'HEAD') {
    throw new FhirError(405, 'not-supported', 'only GET is supported on this FHIR base', { headers: { Allow: 'GET, HEAD' }, reason: 'method_not_supported' });
  }
  const [typeSeg, idSeg, ...rest] = raw.segments;
  if (typeSeg === undefined || rest.length > 0) throw badRequest('the path must be {type} or {type}/{id}', 'not-supported', 'bad_path');
  const resourceType = decode(typeSeg, 'path');
  if (!RESOURCE_TYPE.test(resourceType)) throw badRequest('the resource type in the path is malformed', 'invalid', 'bad_path');
  const all = parseQueryString(raw.rawQuery);
  if (idSeg === undefined || idSeg === '') return parseSearch(fhirVersion, resourceType, undefined, all);
  const id = decode(idSeg, 'path');
  if (id === '$lastn') {
    if (resourceType !== 'Observation') throw badRequest('$lastn is defined on Observation only', 'not-supported', 'bad_path');
    return parseSearch(fhirVersion, resourceType, 'lastn', all);
  }
  if (id.startsWith('$')) throw badRequest('unknown or malformed operation', 'not-supported', 'bad_path');
  if (!FHIR_ID.test(id)) throw badRequest('the resource id in the path is malformed', 'invalid', 'bad_path');
  return parseRead(resourceType, id, all);
}
