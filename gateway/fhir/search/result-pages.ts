import { randomBytes } from 'node:crypto';
import type { Adapter, AdapterContext, Resource } from '../../../adapters/types.js';
import type { KeyValueStore } from '../../storage/index.js';
import { maskBsn } from '../mask-bsn.js';
import { FhirError, badRequest } from '../outcome.js';
import { findMatches, pageOf, type SearchOutcome } from './execute-search.js';
import type { SearchRequest } from './search-request.js';

/**
 * @module Paging over a stable, short-lived result (FHIR search.html#paging: the server keeps the
 * result of the first page and its links page through it). The first page of a search that does
 * not fit on one page computes the whole match set once and stores it in the gateway's
 * KeyValueStore (memory or Redis) for `ttlMs`, under an unguessable key bound to the token's
 * client and patient and to the data service; its next/previous links carry that key
 * (`_getpages`, as HAPI FHIR names it) and an offset. Following pages read from the store: no
 * adapter call, and they do not shift when the EHR changes meanwhile.
 *
 * Fail closed: an unknown or expired key is 410 Gone (the result is no longer there: search again,
 * as HAPI FHIR answers for an expired search), a key of another client, patient or data service
 * is 403, and a key used with another search's parameters is 400.
 *
 * Stored: the matches and the resources their `_include`s reach (each match with the includes it
 * reaches, so any page can be rebuilt), BSN-masked so that no BSN rests in the store. What the
 * adapter boundary let through; the final answer's compartment check runs on every page as on
 * any answer.
 */
export interface PageOwner {
  readonly clientId: string;
  readonly patientRef: string;
  readonly providerName: string;
  readonly serviceId: string;
}

export interface ResultPaging {
  readonly store: KeyValueStore;
  /** How long a stored result serves its pages (config `endpoints.searchPagesTtlSeconds`). */
  readonly ttlMs: number;
}

interface StoredResult {
  readonly v: 1;
  readonly owner: PageOwner;
  readonly search: string;
  readonly matches: readonly Resource[];
  readonly includes: readonly Resource[];
  /** Per match, the indexes into `includes` it reaches. */
  readonly reach: readonly (readonly number[])[];
}

const KEY_PREFIX = 'fhir:pages:';
/** Parameters that choose a page of the one result, not the result: the rest must match the stored search. */
const PAGING_PARAMS = new Set(['_getpages', '_getpagesoffset', '_count', '_format']);

/** The search a stored result belongs to: type, operation, and every parameter as sent but the paging ones. */
function searchOf(request: SearchRequest): string {
  const params = request.all.filter((p) => !PAGING_PARAMS.has(p.name)).map((p) => `${p.name}=${p.value}`);
  return `${request.resourceType}${request.operation ? '/$lastn' : ''}?${params.join('&')}`;
}

const keyOf = (r: Resource): string => `${r.resourceType}/${r.id ?? ''}`;

/**
 * One page of a search: from the stored result when the request carries a page key, else from
 * the adapter (and stored, when the result has more than this page).
 */
export async function searchPage(request: SearchRequest, adapter: Adapter, ctx: AdapterContext, owner: PageOwner, paging: ResultPaging): Promise<SearchOutcome> {
  if (request.pageKey !== undefined) return storedPage(request, request.pageKey, owner, paging);
  const set = await findMatches(request, adapter, ctx);
  const page = pageOf(set.matches, request.offset, request.count);
  const includes = await set.includesOf(page);
  const total = set.matches.length;
  if (page.length === total) return { matches: page, includes, total };

  // Every include of every match: one batched round per target type over the whole set, then
  // each match's own includes from the resolver's cache (no further adapter calls).
  await set.includesOf(set.matches);
  const pool: Resource[] = [];
  const at = new Map<string, number>();
  const reach: number[][] = [];
  for (const m of set.matches) {
    const mine: number[] = [];
    for (const r of await set.includesOf([m])) {
      let i = at.get(keyOf(r));
      if (i === undefined) {
        i = pool.push(maskBsn(r)) - 1;
        at.set(keyOf(r), i);
      }
      mine.push(i);
    }
    reach.push(mine);
  }
  const stored: StoredResult = { v: 1, owner, search: searchOf(request), matches: set.matches.map((r) => maskBsn(r)), includes: pool, reach };
  const pageKey = randomBytes(32).toString('base64url');
  await paging.store.set(KEY_PREFIX + pageKey, JSON.stringify(stored), paging.ttlMs);
  return { matches: page, includes, total, pageKey };
}

function parseStored(raw: string | undefined): StoredResult | undefined {
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<StoredResult> | null;
    return v?.v === 1 && Array.isArray(v.matches) && Array.isArray(v.includes) && Array.isArray(v.reach) && typeof v.search === 'string' && v.owner ? (v as StoredResult) : undefined;
  } catch {
    return undefined;
  }
}

const sameOwner = (a: PageOwner, b: PageOwner): boolean =>
  a.clientId === b.clientId && a.patientRef === b.patientRef && a.providerName === b.providerName && a.serviceId === b.serviceId;

async function storedPage(request: SearchRequest, pageKey: string, owner: PageOwner, paging: ResultPaging): Promise<SearchOutcome> {
  const stored = parseStored(await paging.store.get(KEY_PREFIX + pageKey));
  if (!stored) {
    throw new FhirError(410, 'not-found', 'the result of this page link has expired or is unknown: run the search again', { reason: 'page_key_gone' });
  }
  if (!sameOwner(stored.owner, owner)) {
    throw new FhirError(403, 'forbidden', 'this page link belongs to another access token', { reason: 'page_key_not_yours' });
  }
  if (stored.search !== searchOf(request)) throw badRequest('this page link belongs to another search', 'invalid', 'page_key_other_search');
  const first = Math.min(request.offset, stored.matches.length);
  const matches = pageOf(stored.matches, first, request.count);
  const seen = new Set<number>();
  const includes: Resource[] = [];
  for (let i = first; i < first + matches.length; i++) {
    for (const j of stored.reach[i] ?? []) {
      if (seen.has(j)) continue;
      seen.add(j);
      const r = stored.includes[j];
      if (r) includes.push(r);
    }
  }
  return { matches: [...matches], includes, total: stored.matches.length, pageKey };
}
