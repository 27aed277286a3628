import type { SearchParam } from '../../adapters/types.js';
import { badRequest, FhirError } from './outcome.js';

/**
 * The typed value of one FHIR API request (house rule 2): everything after this parse reads these
 * fields, never `req`. Syntax only; whether a query is allowed for the base is policy.ts's call.
 */
export interface IncludeParam {
  /** `_include:iterate` (R4) or its STU3 spelling `_include:recurse`. */
  readonly iterate: boolean;
  readonly sourceType: string;
  readonly searchParam: string;
  readonly targetType?: string;
  /** As sent, e.g. `MedicationRequest:medication`. */
  readonly value: string;
}

interface FhirRequestBase {
  /** Every query parameter in order as sent, for the Bundle's self link (QUERIES.md). */
  readonly all: readonly SearchParam[];
  /** `_format`, when sent: format.ts decides with it. */
  readonly format?: string;
}

export interface SearchRequest extends FhirRequestBase {
  readonly interaction: 'search-type';
  readonly resourceType: string;
  /** `Observation/$lastn` (FHIR observation-operations.html#lastn). */
  readonly operation?: 'lastn';
  /** The filters: every parameter that is not a result parameter. */
  readonly filters: readonly SearchParam[];
  readonly includes: readonly IncludeParam[];
  readonly count?: number;
  /** Paging position in the match list; set by our own next/previous links. */
  readonly offset: number;
}

export interface ReadRequest extends FhirRequestBase {
  readonly interaction: 'read';
  readonly resourceType: string;
  readonly id: string;
}

export type FhirRequest = SearchRequest | ReadRequest;

export interface RawFhirRequest {
  readonly method: string;
  /** Path segments after `{provider}/{service}`, still percent-encoded. */
  readonly segments: readonly string[];
  /** The query string without `?`, as received. */
  readonly rawQuery: string;
}

/** Upper bound for a page; MedMij searches return one patient's data, far below this. */
export const MAX_COUNT = 1000;
const MAX_QUERY_LENGTH = 8192;
const MAX_PARAMS = 64;
const MAX_VALUE_LENGTH = 2048;

const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;
/** FHIR `id` datatype (both versions): 1–64 of [A-Za-z0-9-.]. */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_.\-]{0,63}(:[A-Za-z][A-Za-z0-9\-]{0,63})?$/;
const INCLUDE_VALUE = /^([A-Z][A-Za-z]{1,63}):([a-z][a-z0-9\-]{0,63})(?::([A-Z][A-Za-z]{1,63}))?$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** Parameters that shape the answer rather than select resources. */
const RESULT_PARAMS = new Set(['_format', '_count', '_include', '_include:iterate', '_include:recurse', '_getpagesoffset']);
/** Result parameters no MedMij search uses: refused instead of silently ignored (house rule 2). */
const UNSUPPORTED_RESULT_PARAMS = /^_(summary|elements|sort|revinclude|contained|containedType|total|has|list|query|text|content|filter)(:|$)/;

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

function parseCount(value: string): number {
  if (!/^\d{1,6}$/.test(value)) throw badRequest('_count must be a whole number');
  return Math.min(Number(value), MAX_COUNT);
}

function parseOffset(value: string): number {
  if (!/^\d{1,6}$/.test(value)) throw badRequest('_getpagesoffset must be a whole number');
  return Number(value);
}

function parseInclude(name: string, value: string): IncludeParam {
  const m = INCLUDE_VALUE.exec(value);
  if (!m?.[1] || !m[2]) throw badRequest(`the value of ${name} must be SourceType:search-param[:TargetType]`);
  return {
    iterate: name !== '_include',
    sourceType: m[1],
    searchParam: m[2],
    ...(m[3] ? { targetType: m[3] } : {}),
    value,
  };
}

function parseSearch(resourceType: string, operation: 'lastn' | undefined, all: readonly SearchParam[]): SearchRequest {
  const filters: SearchParam[] = [];
  const includes: IncludeParam[] = [];
  let count: number | undefined;
  let offset = 0;
  let format: string | undefined;
  const once = new Set<string>();
  for (const p of all) {
    if (UNSUPPORTED_RESULT_PARAMS.test(p.name)) throw badRequest(`parameter ${p.name} is not supported`, 'not-supported');
    if (!RESULT_PARAMS.has(p.name)) {
      filters.push(p);
      continue;
    }
    if (p.name.startsWith('_include')) {
      const inc = parseInclude(p.name, p.value);
      // A plain _include starts from the searched type (FHIR search.html#include).
      if (!inc.iterate && inc.sourceType !== resourceType) throw badRequest(`_include must start from ${resourceType}`);
      includes.push(inc);
      continue;
    }
    if (once.has(p.name)) throw badRequest(`parameter ${p.name} may appear only once`);
    once.add(p.name);
    if (p.name === '_count') count = parseCount(p.value);
    else if (p.name === '_getpagesoffset') offset = parseOffset(p.value);
    else format = p.value;
  }
  return {
    interaction: 'search-type',
    resourceType,
    ...(operation ? { operation } : {}),
    filters,
    includes,
    ...(count === undefined ? {} : { count }),
    offset,
    ...(format === undefined ? {} : { format }),
    all,
  };
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
export function parseFhirRequest(raw: RawFhirRequest): FhirRequest {
  if (raw.method !== 'GET' && raw.method !== 'HEAD') {
    throw new FhirError(405, 'not-supported', 'only GET is supported on this FHIR base', { headers: { Allow: 'GET, HEAD' }, reason: 'method_not_supported' });
  }
  const [typeSeg, idSeg, ...rest] = raw.segments;
  if (typeSeg === undefined || rest.length > 0) throw badRequest('the path must be {type} or {type}/{id}', 'not-supported', 'bad_path');
  const resourceType = decode(typeSeg, 'path');
  if (!RESOURCE_TYPE.test(resourceType)) throw badRequest('the resource type in the path is malformed', 'invalid', 'bad_path');
  const all = parseQueryString(raw.rawQuery);
  if (idSeg === undefined || idSeg === '') return parseSearch(resourceType, undefined, all);
  const id = decode(idSeg, 'path');
  if (id === '$lastn') {
    if (resourceType !== 'Observation') throw badRequest('$lastn is defined on Observation only', 'not-supported', 'bad_path');
    return parseSearch(resourceType, 'lastn', all);
  }
  if (id.startsWith('$')) throw badRequest('unknown or malformed operation', 'not-supported', 'bad_path');
  if (!FHIR_ID.test(id)) throw badRequest('the resource id in the path is malformed', 'invalid', 'bad_path');
  return parseRead(resourceType, id, all);
}
