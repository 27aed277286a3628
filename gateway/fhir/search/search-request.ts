import type { FhirVersion, SearchParam } from '../../../adapters/types.js';
import { SearchParamError } from './search-param-error.js';

/**
 * The typed query the engine runs. `parseSearchRequest` turns the parameters as sent (already
 * URL-decoded, in order) into this value, separating filters from result parameters.
 */
export interface IncludeSpec {
  /** `MedicationRequest` in `_include=MedicationRequest:medication[:Medication]`. */
  readonly sourceType: string;
  readonly param: string;
  readonly targetType?: string;
  /** `_include:iterate` (R4) or `_include:recurse` (STU3): applied to included resources too. */
  readonly iterate: boolean;
}

export interface SearchRequest {
  readonly fhirVersion: FhirVersion;
  readonly resourceType: string;
  /** `lastn` for `Observation/$lastn`; absent for a plain search. */
  readonly operation?: 'lastn';
  readonly filters: readonly SearchParam[];
  readonly include: readonly IncludeSpec[];
  /** Page size (`_count`); absent: everything in one page. */
  readonly count?: number;
  /** Matches to skip (`_getpagesoffset`, from the gateway's own next links). */
  readonly offset?: number;
  /** `$lastn` `max`: how many per code (default 1). */
  readonly max?: number;
}

/** Largest page a client may ask for; beyond it we answer with this many and a next link. */
export const MAX_COUNT = 1000;

const NAME_RE = /^[A-Za-z][A-Za-z0-9\-]*$/;

function parseNonNegativeInt(name: string, value: string, max: number): number {
  if (!/^\d{1,9}$/.test(value)) throw new SearchParamError(name, `parameter "${name}" must be a whole number`);
  return Math.min(Number(value), max);
}

export function parseIncludeValue(name: string, value: string, iterate: boolean): IncludeSpec {
  const parts = value.split(':');
  if (parts.length < 2 || parts.length > 3 || !parts.every((p) => NAME_RE.test(p))) {
    throw new SearchParamError(name, `parameter "${name}" must look like Type:parameter or Type:parameter:TargetType`);
  }
  const [sourceType, param, targetType] = parts as [string, string, string | undefined];
  return targetType === undefined ? { sourceType, param, iterate } : { sourceType, param, targetType, iterate };
}

export function parseSearchRequest(input: {
  readonly fhirVersion: FhirVersion;
  readonly resourceType: string;
  readonly operation?: 'lastn';
  readonly params: readonly SearchParam[];
}): SearchRequest {
  const filters: SearchParam[] = [];
  const include: IncludeSpec[] = [];
  let count: number | undefined;
  let offset: number | undefined;
  let max: number | undefined;
  for (const p of input.params) {
    switch (p.name) {
      case '_include':
        include.push(parseIncludeValue(p.name, p.value, false));
        break;
      case '_include:iterate':
      case '_include:recurse':
        include.push(parseIncludeValue(p.name, p.value, true));
        break;
      case '_count':
        count = parseNonNegativeInt(p.name, p.value, MAX_COUNT);
        break;
      case '_getpagesoffset':
        offset = parseNonNegativeInt(p.name, p.value, Number.MAX_SAFE_INTEGER);
        break;
      case 'max':
        if (input.operation !== 'lastn') filters.push(p);
        else max = Math.max(1, parseNonNegativeInt(p.name, p.value, MAX_COUNT));
        break;
      default:
        filters.push(p);
    }
  }
  return {
    fhirVersion: input.fhirVersion,
    resourceType: input.resourceType,
    ...(input.operation ? { operation: input.operation } : {}),
    filters,
    include,
    ...(count !== undefined ? { count } : {}),
    ...(offset !== undefined ? { offset } : {}),
    ...(max !== undefined ? { max } : {}),
  };
}
