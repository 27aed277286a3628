/**
 * @module The one parse of a search's parameters (house rule 2): the parameters as sent (decoded,
 * in order) become the typed SearchRequest that the catalogue matcher, the engine and every
 * adapter read. Result parameters (`_include`, `_count`, `_getpagesoffset`, `_getpages`, `_format`, `$lastn`'s
 * `max`) are separated from the filters; each filter is compiled once into a Criterion (its
 * parsed value for adapters to push down, and the engine's predicate).
 *
 * A filter the engine cannot compile is kept as an `invalid` criterion rather than thrown here,
 * so that the catalogue (deny by default) gives its reason first ("the patient is taken from the
 * token", "not a parameter of this data service"); the engine throws it before any data is read.
 */
import type { FhirVersion, SearchParam } from '../../../adapters/types.js';
import type { Mutable } from '../mutable.js';
import { badRequest } from '../outcome.js';
import { compileCriterion, type Criterion } from './criterion.js';
import { SearchParamError } from './search-param-error.js';

export interface IncludeSpec {
  /** `MedicationRequest` in `_include=MedicationRequest:medication[:Medication]`. */
  readonly sourceType: string;
  readonly param: string;
  readonly targetType?: string;
  /** `_include:iterate` (R4) or `_include:recurse` (STU3): applied to included resources too. */
  readonly iterate: boolean;
  /** As sent, e.g. `MedicationRequest:medication`: what catalogues list. */
  readonly value: string;
}

/** A filter that does not compile: refused when the search runs (after the catalogue had its say). */
export interface InvalidCriterion {
  readonly kind: 'invalid';
  readonly name: string;
  readonly raw: string;
  readonly error: SearchParamError;
}

export type RequestCriterion = Criterion | InvalidCriterion;

export interface SearchRequest {
  readonly fhirVersion: FhirVersion;
  readonly resourceType: string;
  /** `lastn` for `Observation/$lastn` (FHIR observation-operations.html#lastn); absent for a plain search. */
  readonly operation?: 'lastn';
  /** Every parameter in order as sent, for the Bundle's self link (QUERIES.md) and the BSN check. */
  readonly all: readonly SearchParam[];
  /** The filters as sent (every parameter that is not a result parameter), for a FHIR passthrough. */
  readonly filters: readonly SearchParam[];
  /** The filters compiled, in the order of `filters`. */
  readonly criteria: readonly RequestCriterion[];
  readonly includes: readonly IncludeSpec[];
  /** Page size (`_count`), at most MAX_COUNT; absent: everything in one page. */
  readonly count?: number;
  /** Matches to skip (`_getpagesoffset`, from the gateway's own next links). */
  readonly offset: number;
  /** `_getpages`: the key of a stored result (result-pages.ts), from the gateway's own next/previous links. */
  readonly pageKey?: string;
  /** `$lastn` `max`: how many per code (default 1). */
  readonly max?: number;
  /** `_format`, when sent: format.ts decides with it. */
  readonly format?: string;
}

/** Largest page a client may ask for; beyond it we answer with this many and a next link. */
export const MAX_COUNT = 1000;

/** Result parameters no MedMij search uses: refused instead of silently ignored (house rule 2). */
const UNSUPPORTED_RESULT_PARAMS = /^_(summary|elements|sort|revinclude|contained|containedType|total|has|list|query|text|content|filter)(:|$)/;
const INCLUDE_VALUE = /^([A-Z][A-Za-z]{1,63}):([a-z][a-z0-9-]{0,63})(?::([A-Z][A-Za-z]{1,63}))?$/;
const ONCE = new Set(['_count', '_getpagesoffset', '_getpages', '_format', 'max']);
/** A page key as result-pages.ts makes them: 32 random bytes, base64url. */
const PAGE_KEY = /^[A-Za-z0-9_-]{43}$/;

function wholeNumber(name: string, value: string, max: number): number {
  // At most 6 digits, as before the one parse: a 9-digit value may be a BSN pasted into the
  // query (hostile-logs test), and no page size or offset of one patient's data needs more.
  if (!/^\d{1,6}$/.test(value)) throw badRequest(`${name} must be a whole number`);
  return Math.min(Number(value), max);
}

function parseInclude(name: string, value: string, resourceType: string): IncludeSpec {
  const m = INCLUDE_VALUE.exec(value);
  if (!m?.[1] || !m[2]) throw badRequest(`the value of ${name} must be SourceType:search-param[:TargetType]`);
  const iterate = name !== '_include';
  // A plain _include starts from the searched type (FHIR search.html#include).
  if (!iterate && m[1] !== resourceType) throw badRequest(`_include must start from ${resourceType}`);
  return { sourceType: m[1], param: m[2], ...(m[3] ? { targetType: m[3] } : {}), iterate, value };
}

function compile(version: FhirVersion, resourceType: string, p: SearchParam, now: number): RequestCriterion {
  try {
    return compileCriterion(version, resourceType, p, now);
  } catch (err) {
    if (!(err instanceof SearchParamError)) throw err;
    return { kind: 'invalid', name: p.name, raw: p.value, error: err };
  }
}

export function parseSearchRequest(input: {
  readonly fhirVersion: FhirVersion;
  readonly resourceType: string;
  readonly operation?: 'lastn';
  readonly params: readonly SearchParam[];
  readonly now?: number;
}): SearchRequest {
  const { resourceType, operation } = input;
  // One clock for the whole request: the `ap` margin of every date criterion (search/date-match.ts).
  const now = input.now ?? Date.now();
  const filters: SearchParam[] = [];
  const includes: IncludeSpec[] = [];
  let count: number | undefined;
  let offset = 0;
  let max: number | undefined;
  let format: string | undefined;
  let pageKey: string | undefined;
  const seen = new Set<string>();
  for (const p of input.params) {
    if (UNSUPPORTED_RESULT_PARAMS.test(p.name)) throw badRequest(`parameter ${p.name} is not supported`, 'not-supported');
    if (p.name === '_include' || p.name === '_include:iterate' || p.name === '_include:recurse') {
      includes.push(parseInclude(p.name, p.value, resourceType));
      continue;
    }
    const isResult = p.name === '_count' || p.name === '_getpagesoffset' || p.name === '_getpages' || p.name === '_format' || (p.name === 'max' && operation === 'lastn');
    if (!isResult) {
      filters.push(p);
      continue;
    }
    if (ONCE.has(p.name) && seen.has(p.name)) throw badRequest(`parameter ${p.name} may appear only once`);
    seen.add(p.name);
    if (p.name === '_count') count = wholeNumber('_count', p.value, MAX_COUNT);
    else if (p.name === '_getpagesoffset') offset = wholeNumber('_getpagesoffset', p.value, Number.MAX_SAFE_INTEGER);
    else if (p.name === 'max') max = Math.max(1, wholeNumber('max', p.value, MAX_COUNT));
    else if (p.name === '_getpages') {
      if (!PAGE_KEY.test(p.value)) throw badRequest('_getpages is not a page key of this server', 'invalid', 'page_key_malformed');
      pageKey = p.value;
    }
    else format = p.value;
  }
  // Built in place, the optional fields only when present (issue 14: five spread copies of small
  // objects were most of this function's 0.76 % of a search's samples).
  const request: Mutable<SearchRequest> = {
    fhirVersion: input.fhirVersion,
    resourceType,
    all: input.params,
    filters,
    criteria: filters.map((p) => compile(input.fhirVersion, resourceType, p, now)),
    includes,
    offset,
  };
  if (operation) request.operation = operation;
  if (count !== undefined) request.count = count;
  if (max !== undefined) request.max = max;
  if (pageKey !== undefined) request.pageKey = pageKey;
  if (format !== undefined) request.format = format;
  return request;
}
