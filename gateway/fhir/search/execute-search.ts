import type { Adapter, AdapterContext, Resource } from '../../../adapters/types.js';
import { SearchParamError } from './search-param-error.js';
import { applyFilters, type Criterion, type ResolveReference } from './filter-resources.js';
import { compileIncludes, resolveIncludes } from './resolve-includes.js';
import { lastN } from './last-n.js';
import { parseTokenValue } from './token-match.js';
import { createReferenceResolver, type ReferenceResolver } from './reference-resolver.js';
import { findParamDefinition } from './param-definitions.js';
import { valuesAt } from './criterion.js';
import type { SearchRequest } from './search-request.js';

export interface SearchOutcome {
  /** This page of matches (search mode `match`). */
  readonly matches: Resource[];
  /** Resources reached through `_include` from this page (search mode `include`). */
  readonly includes: Resource[];
  /** All matches over all pages. */
  readonly total: number;
  /** The key of the stored result this page belongs to (result-pages.ts): its links carry it. */
  readonly pageKey?: string;
}

/** The whole match set of one search, before paging; includes are read per page on demand. */
export interface MatchSet {
  /** Every match, in the engine's order. */
  readonly matches: readonly Resource[];
  /** The `_include` targets of these matches (one batched read per target type per round). */
  includesOf(matches: readonly Resource[]): Promise<Resource[]>;
}

/**
 * Runs one search for the token's patient: the adapter returns its candidates (a superset is
 * allowed), then the engine applies every filter and `$lastn`. The engine applies no compartment
 * rule of its own: the adapter it is given is the guarded one (compartment-guard.ts, the adapter
 * boundary), and the pipeline checks the final answer again — the one rule (compartment.ts) in
 * exactly those two places.
 */
export async function findMatches(request: SearchRequest, adapter: Adapter, ctx: AdapterContext): Promise<MatchSet> {
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

  const references = createReferenceResolver(adapter, ctx);
  const resolve: ResolveReference = (reference) => references.one(reference);

  const { resources } = await adapter.search(
    { resourceType: request.resourceType, criteria, params: request.filters, includes: request.includes.map((i) => ({ value: i.value, iterate: i.iterate })) },
    ctx,
  );
  const candidates = resources.filter((r) => r.resourceType === request.resourceType);
  await prefetchChainTargets(request, candidates, references);
  let matches = await applyFilters(candidates, criteria, resolve);
  if (request.operation === 'lastn') {
    const requestedCodes = request.filters.filter((p) => p.name === 'code').flatMap((p) => parseTokenValue('code', p.value));
    matches = lastN(matches, request.max ?? 1, requestedCodes);
  }
  return { matches, includesOf: (page) => resolveIncludes(page, includes, references) };
}

/** One page of a search: `_getpagesoffset` and `_count` applied to the match set, with the page's includes. */
export async function executeSearch(request: SearchRequest, adapter: Adapter, ctx: AdapterContext): Promise<SearchOutcome> {
  const { matches, includesOf } = await findMatches(request, adapter, ctx);
  const page = pageOf(matches, request.offset, request.count);
  return { matches: page, includes: await includesOf(page), total: matches.length };
}

export function pageOf<T>(all: readonly T[], offset: number, count: number | undefined): T[] {
  return count === undefined ? all.slice(offset) : all.slice(offset, offset + count);
}

/**
 * A chained parameter (`medication.code=…`) reads the target of every candidate: fetch them all
 * first, one backend call per target type (reference-resolver.ts), instead of one read each.
 */
async function prefetchChainTargets(request: SearchRequest, candidates: readonly Resource[], references: ReferenceResolver): Promise<void> {
  const wanted: string[] = [];
  for (const p of request.filters) {
    const dot = p.name.indexOf('.');
    if (dot < 0) continue;
    const def = findParamDefinition(request.fhirVersion, request.resourceType, p.name.slice(0, dot));
    if (def?.type !== 'reference') continue;
    for (const r of candidates) {
      for (const v of valuesAt(r, def)) {
        const ref = (v as { reference?: unknown } | null)?.reference;
        if (typeof ref === 'string' && /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(ref)) wanted.push(ref);
      }
    }
  }
  await references.many(wanted);
}
