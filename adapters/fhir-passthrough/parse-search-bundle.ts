import type { Resource } from '../types.js';

/**
 * Upstream JSON → the match and include resources and the `next` link of one searchset page.
 * Everything else in the Bundle (self links, fullUrls, outcome entries) is dropped here: the
 * gateway builds its own Bundle with its own links, and never forwards the upstream's (which
 * name internal hosts). Throws a plain Error on anything that is not a searchset; the caller
 * turns that into UpstreamRejected.
 */
export interface SearchPage {
  readonly matches: readonly Resource[];
  /** Entries with search.mode = include (the upstream resolved a forwarded `_include`). */
  readonly included: readonly Resource[];
  readonly next?: string;
  /** Entries with search.mode = outcome (warnings from the upstream): counted, not served. */
  readonly outcomes: number;
}

const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function parseSearchBundle(json: unknown): SearchPage {
  if (!isObject(json) || json['resourceType'] !== 'Bundle') throw new Error('upstream answer is not a Bundle');
  if (json['type'] !== 'searchset') throw new Error('upstream Bundle is not a searchset');
  const entries = json['entry'] ?? [];
  if (!Array.isArray(entries)) throw new Error('Bundle.entry is not a list');
  const matches: Resource[] = [];
  const included: Resource[] = [];
  let outcomes = 0;
  for (const entry of entries) {
    if (!isObject(entry)) throw new Error('Bundle.entry item is not an object');
    const mode = isObject(entry['search']) ? entry['search']['mode'] : undefined;
    if (mode === 'outcome') {
      outcomes += 1;
      continue;
    }
    (mode === 'include' ? included : matches).push(parseResource(entry['resource']));
  }
  const links = json['link'] ?? [];
  if (!Array.isArray(links)) throw new Error('Bundle.link is not a list');
  const next = links.find((l): l is { relation: string; url: string } => isObject(l) && l['relation'] === 'next' && typeof l['url'] === 'string');
  return next ? { matches, included, next: next.url, outcomes } : { matches, included, outcomes };
}

export function parseResource(value: unknown): Resource {
  if (!isObject(value)) throw new Error('entry without a resource');
  const type = value['resourceType'];
  if (typeof type !== 'string' || !RESOURCE_TYPE.test(type)) throw new Error('resource without a valid resourceType');
  const id = value['id'];
  if (typeof id !== 'string' || !FHIR_ID.test(id)) throw new Error(`${type} without a valid id`);
  return value as Resource;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
