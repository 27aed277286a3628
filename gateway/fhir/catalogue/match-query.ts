import type { SearchParam } from '../../../adapters/types.js';
import { parseSearchRequest, type RequestCriterion, type SearchRequest } from '../search/index.js';
import { FORBIDDEN_PARAMS, type ParamRule, type QueryCatalogue, type QueryTemplate } from './catalogue-schema.js';

export type QueryMatch = { readonly ok: true; readonly template: QueryTemplate } | { readonly ok: false; readonly reason: string };

/** Result parameters any search may carry: the HTTP layer handles `_format`, the engine `_count`, paging the rest. */
const ALWAYS_ALLOWED = new Set(['_count', '_format', '_getpagesoffset', '_getpages']);

/** One parameter as sent, with its compiled criterion when it is a filter. */
interface Item {
  readonly param: SearchParam;
  readonly criterion?: RequestCriterion;
}

/** The request's parameters in order, each filter paired with its criterion (same order in both lists). */
function itemsOf(request: SearchRequest): Item[] {
  const criteria = [...request.criteria];
  const filters = new Set(request.filters);
  return request.all.map((param) => {
    const criterion = filters.has(param) ? criteria.shift() : undefined;
    return criterion === undefined ? { param } : { param, criterion };
  });
}

/**
 * Why `params` do not fit `t`, or undefined when they do. Reasons name parameters, never values.
 * Fixed-value parameters are checked first, so the template a request was meant for (the right
 * category) is the one that fails last and gives the reason.
 */
function mismatch(t: QueryTemplate, all: readonly Item[]): { reason: string; progress: number } | undefined {
  const fixedFirst = [...all].sort((a, b) => rank(t, a) - rank(t, b));
  let progress = 0;
  const fail = (reason: string) => ({ reason, progress });
  const why = check(t, fixedFirst, () => progress++);
  return why === undefined ? undefined : fail(why);
}

function rank(t: QueryTemplate, item: Item): number {
  const rule = t.params[item.param.name];
  return rule !== undefined && 'equals' in rule ? 0 : 1;
}

function check(t: QueryTemplate, items: readonly Item[], passed: () => void): string | undefined {
  const seen = new Map<string, number>();
  for (const { param: p, criterion: c } of items) {
    passed();
    if (FORBIDDEN_PARAMS.test(p.name)) return `parameter "${p.name}" is not allowed: the patient is taken from the access token`;
    if (ALWAYS_ALLOWED.has(p.name)) continue;
    if (p.name === '_include') {
      if (!t.include.includes(p.value)) return `_include=${p.value} is not supported on this search`;
      continue;
    }
    if (p.name === '_include:iterate' || p.name === '_include:recurse') {
      if (!t.iterate.includes(p.value)) return `${p.name}=${p.value} is not supported on this search`;
      continue;
    }
    if (p.name === 'max' && t.operation === 'lastn') continue;
    const rule: ParamRule | undefined = t.params[p.name];
    if (!rule) return `parameter "${p.name}" is not supported on ${t.resourceType}${t.operation ? '/$lastn' : ''} for this data service`;
    const n = (seen.get(p.name) ?? 0) + 1;
    seen.set(p.name, n);
    if ('equals' in rule) {
      if (n > 1) return `parameter "${p.name}" may be given once`;
      if (!rule.equals.includes(p.value)) return `this value of parameter "${p.name}" is not supported on ${t.resourceType} for this data service`;
    } else if (rule.format === 'token') {
      if (n > 1) return `parameter "${p.name}" may be given once`;
      // A value that does not parse is the engine's to refuse (400 invalid), after the catalogue.
      if (c?.kind === 'invalid') continue;
      // A modified token (`code:not`) is not pushed down (kind 'other'): its text is checked.
      if (c?.kind === 'other' && p.name.includes(':')) {
        if (!/^[^|,]*\|[^|,]+$/.test(p.value)) return `parameter "${p.name}" must be one system|value token`;
        continue;
      }
      // One token with a system (the catalogue fixes identifiers to `system|value`).
      const one = c?.kind === 'token' && c.any.length === 1 ? c.any[0] : undefined;
      if (one?.system === undefined || one.code === undefined) return `parameter "${p.name}" must be one system|value token`;
    } else if (rule.format === 'text') {
      // Free text (`code:text`, `_id`): any value that compiles; the engine refuses one that does not.
      if (n > 1) return `parameter "${p.name}" may be given once`;
    } else {
      if (n > rule.maxRepeats) return `parameter "${p.name}" may be given at most ${rule.maxRepeats} time(s)`;
      if (c?.kind === 'invalid') continue;
      if (c?.kind !== 'date') return `parameter "${p.name}" must be a date`;
      const refused = c.any.find((alt) => !(rule.prefixes as readonly string[]).includes(alt.prefix));
      if (refused) return `prefix "${refused.prefix}" is not supported on parameter "${p.name}"`;
    }
  }
  for (const [name, rule] of Object.entries(t.params)) {
    if (rule.required && !seen.has(name)) return `parameter "${name}" is required on this search`;
  }
  return undefined;
}

/** A catalogue's searches by resource type and operation, in catalogue order. */
interface SearchIndex {
  /** How many searches the index was built from: a list that grew since is indexed again. */
  readonly size: number;
  readonly byTarget: ReadonlyMap<string, readonly QueryTemplate[]>;
}

/**
 * Built once per catalogue, on its first search: filtering the whole catalogue for the request's
 * type was most of the matching of a search that has few parameters (issue 14). Weakly held: a
 * catalogue that is replaced (a reload) takes its index with it.
 */
const SEARCH_INDEXES = new WeakMap<readonly QueryTemplate[], SearchIndex>();
const NO_SEARCHES: readonly QueryTemplate[] = [];

function targetKey(resourceType: string, operation: string | undefined): string {
  return operation === undefined ? resourceType : `${resourceType}/$${operation}`;
}

function searchesFor(searches: readonly QueryTemplate[], resourceType: string, operation: string | undefined): readonly QueryTemplate[] {
  let index = SEARCH_INDEXES.get(searches);
  if (index?.size !== searches.length) {
    const byTarget = new Map<string, QueryTemplate[]>();
    for (const t of searches) {
      const key = targetKey(t.resourceType, t.operation);
      const list = byTarget.get(key);
      if (list) list.push(t);
      else byTarget.set(key, [t]);
    }
    index = { size: searches.length, byTarget };
    SEARCH_INDEXES.set(searches, index);
  }
  return index.byTarget.get(targetKey(resourceType, operation)) ?? NO_SEARCHES;
}

/**
 * Finds the catalogue search that allows this request (deny by default: house rule 5). On
 * failure the reason is one sentence for the OperationOutcome, about the closest template.
 */
export function matchQuery(catalogue: QueryCatalogue, request: SearchRequest): QueryMatch {
  const { resourceType, operation } = request;
  const forbidden = request.all.find((p) => FORBIDDEN_PARAMS.test(p.name));
  if (forbidden) return { ok: false, reason: `parameter "${forbidden.name}" is not allowed: the patient is taken from the access token` };
  const candidates = searchesFor(catalogue.searches, resourceType, operation);
  if (candidates.length === 0) {
    const what = operation ? `${resourceType}/$${operation}` : resourceType;
    return { ok: false, reason: `${what} is not a search of ${catalogue.title}` };
  }
  const items = itemsOf(request);
  let best = 'the search is not supported';
  let bestProgress = -1;
  for (const t of candidates) {
    const why = mismatch(t, items);
    if (why === undefined) return { ok: true, template: t };
    if (why.progress > bestProgress) {
      best = why.reason;
      bestProgress = why.progress;
    }
  }
  return { ok: false, reason: best.charAt(0).toUpperCase() + best.slice(1) + '.' };
}

/** The same for parameters not yet parsed (tools and tests): parses them with the one parser first. */
export function matchParams(catalogue: QueryCatalogue, resourceType: string, params: readonly SearchParam[], operation?: 'lastn'): QueryMatch {
  return matchQuery(catalogue, parseSearchRequest({ fhirVersion: catalogue.fhirVersion, resourceType, ...(operation ? { operation } : {}), params }));
}
