import { randomUUID } from 'node:crypto';
import type * as fhir3 from 'fhir/r3';
import type * as fhir4 from 'fhir/r4';
import type { FhirVersion, Resource, SearchParam } from '../../adapters/types.js';

/**
 * The searchset Bundle (FHIR bundle.html, search.html). What qualification checks on it
 * (QUERIES.md, "What every answer is checked for"): `type = searchset`, `total` = the number of
 * matches, included resources marked `include`, a `self` link that repeats every request parameter,
 * and every `fullUrl` absolute and ending in the resource's id. Pure.
 *
 * Typed with @types/fhir per version: the Bundle's own elements are checked against STU3's and
 * R4's Bundle. The entries carry the adapter's resources as they came (FHIR JSON of the service's
 * version, BSN-masked by the post-check); typing those as the version's FhirResource is the one
 * assertion, in `searchsetOf` below, since nothing at run time could check more than the walk did.
 */
type Searchset<R> = {
  readonly resourceType: 'Bundle';
  readonly id: string;
  readonly type: 'searchset';
  readonly total: number;
  readonly link: Array<{ relation: string; url: string }>;
  readonly entry: Array<{ fullUrl: string; resource: R; search: { mode: 'match' | 'include' } }>;
};

/** The searchset of an STU3 or an R4 service, with the elements it always sets (each a valid Bundle of its version: see `satisfies` below). */
export type SearchsetBundle = Searchset<fhir3.FhirResource> | Searchset<fhir4.FhirResource>;

export interface SearchsetInput {
  /** Absolute FHIR base of the service, e.g. `https://host/fhir/demoziekenhuis/48`. */
  readonly base: string;
  /** Path below the base as requested: `Observation` or `Observation/$lastn`. */
  readonly path: string;
  /** Every request parameter, in order. */
  readonly params: readonly SearchParam[];
  /** This page's matches (after the compartment check). */
  readonly matches: readonly Resource[];
  /** Included resources for the page's matches. */
  readonly includes: readonly Resource[];
  /** All matches over all pages. */
  readonly total: number;
  /** Position of this page in the matches (`_getpagesoffset`). */
  readonly offset: number;
  /** Page size; undefined = all matches on one page. */
  readonly count?: number;
  /** The stored result the page links read from (search/result-pages.ts), when there is more than one page. */
  readonly pageKey?: string;
}

/** The paging parameters of our next/previous links, as the search engine reads them: the stored result and the offset in it. */
export const OFFSET_PARAM = '_getpagesoffset';
export const PAGE_KEY_PARAM = '_getpages';

/**
 * Percent-encodes a query component but leaves `| : , / $` as PGOs send them, so that the self
 * link repeats the request's parameters literally (the Touchstone rule compares them). `+` is
 * encoded so that a time-zone sign cannot be read back as a space.
 */
export function encodeQueryComponent(value: string): string {
  return encodeURIComponent(value).replace(/%7C/gi, '|').replace(/%3A/gi, ':').replace(/%2C/gi, ',').replace(/%2F/gi, '/').replace(/%24/g, '$');
}

export function queryString(params: readonly SearchParam[]): string {
  return params.map((p) => `${encodeQueryComponent(p.name)}=${encodeQueryComponent(p.value)}`).join('&');
}

function linkUrl(base: string, path: string, params: readonly SearchParam[]): string {
  const qs = queryString(params);
  return qs === '' ? `${base}/${path}` : `${base}/${path}?${qs}`;
}

/** The request's parameters with the page key and `_getpagesoffset` set (the offset removed at 0) for a next/previous link. */
function withOffset(params: readonly SearchParam[], offset: number, pageKey: string | undefined): SearchParam[] {
  const kept = params.filter((p) => p.name !== OFFSET_PARAM && p.name !== PAGE_KEY_PARAM);
  if (pageKey !== undefined) kept.push({ name: PAGE_KEY_PARAM, value: pageKey });
  return offset > 0 ? [...kept, { name: OFFSET_PARAM, value: String(offset) }] : kept;
}

export function fullUrlOf(base: string, resource: Resource): string {
  // fullUrl must be absolute and end in the id; a resource without one gets a urn:uuid (FHIR bundle.html#bundle-unique).
  return resource.id ? `${base}/${resource.resourceType}/${resource.id}` : `urn:uuid:${randomUUID()}`;
}

const keyOf = (r: Resource): string => `${r.resourceType}/${r.id ?? ''}`;

export function toSearchset(input: SearchsetInput, fhirVersion: 'STU3'): Searchset<fhir3.FhirResource>;
export function toSearchset(input: SearchsetInput, fhirVersion: 'R4'): Searchset<fhir4.FhirResource>;
export function toSearchset(input: SearchsetInput, fhirVersion: FhirVersion): SearchsetBundle;
export function toSearchset(input: SearchsetInput, fhirVersion: FhirVersion): SearchsetBundle {
  return fhirVersion === 'STU3'
    ? (searchsetOf(input, (r) => r as unknown as fhir3.FhirResource) satisfies fhir3.Bundle)
    : (searchsetOf(input, (r) => r as unknown as fhir4.FhirResource) satisfies fhir4.Bundle);
}

function searchsetOf<R>(input: SearchsetInput, asFhir: (resource: Resource) => R): Searchset<R> {
  const { total, matches: page } = input;
  const start = input.offset;
  const size = input.count ?? Math.max(page.length, total - start);

  const link = [{ relation: 'self', url: linkUrl(input.base, input.path, input.params) }];
  if (size > 0 && start + size < total) link.push({ relation: 'next', url: linkUrl(input.base, input.path, withOffset(input.params, start + size, input.pageKey)) });
  if (size > 0 && start > 0) link.push({ relation: 'previous', url: linkUrl(input.base, input.path, withOffset(input.params, Math.max(0, start - size), input.pageKey)) });

  const seen = new Set(page.map(keyOf));
  const entry: Searchset<R>['entry'] = page.map((resource) => ({ fullUrl: fullUrlOf(input.base, resource), resource: asFhir(resource), search: { mode: 'match' } }));
  for (const resource of input.includes) {
    const key = keyOf(resource);
    if (seen.has(key)) continue; // an included resource that is also a match appears once, as match
    seen.add(key);
    entry.push({ fullUrl: fullUrlOf(input.base, resource), resource: asFhir(resource), search: { mode: 'include' } });
  }
  return { resourceType: 'Bundle', id: randomUUID(), type: 'searchset', total, link, entry };
}
