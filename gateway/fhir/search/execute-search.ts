import type { Adapter, AdapterContext, Resource } from '../../../adapters/types.js';
import { isVisibleToPatient } from '../../../adapters/index.js';
import { SearchParamError } from './search-param-error.js';
import { applyFilters, type Criterion, type ResolveReference } from './filter-resources.js';
import { compileIncludes, resolveIncludes } from './resolve-includes.js';
import { lastN } from './last-n.js';
import { parseTokenValue } from './token-match.js';
import type { SearchRequest } from './search-request.js';

export interface SearchOutcome {
  /** This page of matches (search mode `match`). */
  readonly matches: Resource[];
  /** Resources reached through `_include` from this page (search mode `include`). */
  readonly includes: Resource[];
  /** All matches over all pages. */
  readonly total: number;
}

/**
 * Runs one search for the token's patient: the adapter returns its candidates (a superset is
 * allowed), then the engine applies every filter, `$lastn`, paging and `_include`. Candidates
 * outside the patient's compartment are dropped here as well as by the gateway's post-check
 * (defence in depth: an adapter bug must not leak another patient's data).
 */
export async function executeSearch(request: SearchRequest, adapter: Adapter, ctx: AdapterContext): Promise<SearchOutcome> {
  if (request.fhirVersion !== ctx.fhirVersion) {
    throw new SearchParamError('_format', `a ${request.fhirVersion} search cannot run in a ${ctx.fhirVersion} context`);
  }
  if (request.operation === 'lastn' && request.resourceType !== 'Observation') {
    throw new SearchParamError('$lastn', '$lastn is only defined on Observation');
  }
  // Compiled at the edge (search-request.ts); a filter that did not compile fails here, before
  // the EHR is asked anything.
  const criteria: Criterion[] = request.criteria.map((c) => {
    if (c.kind === 'invalid') throw c.error;
    return c;
  });
  const includes = compileIncludes(request.fhirVersion, request.includes);

  const cache = new Map<string, Promise<Resource | undefined>>();
  const resolve: ResolveReference = (reference) => {
    let hit = cache.get(reference);
    if (!hit) {
      const slash = reference.indexOf('/');
      hit = adapter.read(reference.slice(0, slash), reference.slice(slash + 1), ctx);
      cache.set(reference, hit);
    }
    return hit;
  };

  const { resources } = await adapter.search({ resourceType: request.resourceType, criteria, params: request.filters }, ctx);
  const patientRef = ctx.patient.patientRef;
  const candidates = resources.filter((r) => r.resourceType === request.resourceType && isVisibleToPatient(r, patientRef));
  let matches = await applyFilters(candidates, criteria, resolve);
  if (request.operation === 'lastn') {
    const requestedCodes = request.filters.filter((p) => p.name === 'code').flatMap((p) => parseTokenValue('code', p.value));
    matches = lastN(matches, request.max ?? 1, requestedCodes);
  }

  const total = matches.length;
  const offset = request.offset;
  const page = request.count === undefined ? matches.slice(offset) : matches.slice(offset, offset + request.count);
  const included = await resolveIncludes(page, includes, resolve, patientRef);
  return { matches: page, includes: included, total };
}
