import type { SearchParam } from '../../../adapters/types.js';
import { FORBIDDEN_PARAMS, type ParamRule, type QueryCatalogue, type QueryTemplate } from './catalogue-schema.js';

export type QueryMatch = { readonly ok: true; readonly template: QueryTemplate } | { readonly ok: false; readonly reason: string };

/** Result parameters any search may carry: the HTTP layer handles `_format`, the engine `_count`. */
const ALWAYS_ALLOWED = new Set(['_count', '_format', '_getpagesoffset']);

const DATE_PREFIX = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)/;

/**
 * Why `params` do not fit `t`, or undefined when they do. Reasons name parameters, never values.
 * Fixed-value parameters are checked first, so the template a request was meant for (the right
 * category) is the one that fails last and gives the reason.
 */
function mismatch(t: QueryTemplate, all: readonly SearchParam[]): { reason: string; progress: number } | undefined {
  const fixedFirst = [...all].sort((a, b) => rank(t, a) - rank(t, b));
  let progress = 0;
  const fail = (reason: string) => ({ reason, progress });
  const why = check(t, fixedFirst, () => progress++);
  return why === undefined ? undefined : fail(why);
}

function rank(t: QueryTemplate, p: SearchParam): number {
  const rule = t.params[p.name];
  return rule !== undefined && 'equals' in rule ? 0 : 1;
}

function check(t: QueryTemplate, params: readonly SearchParam[], passed: () => void): string | undefined {
  const seen = new Map<string, number>();
  for (const p of params) {
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
      if (!/^[^|,]*\|[^|,]+$/.test(p.value)) return `parameter "${p.name}" must be one system|value token`;
    } else if (rule.format === 'text') {
      if (n > 1) return `parameter "${p.name}" may be given once`;
    } else {
      if (n > rule.maxRepeats) return `parameter "${p.name}" may be given at most ${rule.maxRepeats} time(s)`;
      const prefix = DATE_PREFIX.exec(p.value)?.[1] ?? 'eq';
      if (!(rule.prefixes as readonly string[]).includes(prefix)) return `prefix "${prefix}" is not supported on parameter "${p.name}"`;
    }
  }
  for (const [name, rule] of Object.entries(t.params)) {
    if (rule.required && !seen.has(name)) return `parameter "${name}" is required on this search`;
  }
  return undefined;
}

/**
 * Finds the catalogue search that allows this request (deny by default: house rule 5). On
 * failure the reason is one sentence for the OperationOutcome, about the closest template.
 */
export function matchQuery(
  catalogue: QueryCatalogue,
  resourceType: string,
  params: readonly SearchParam[],
  operation?: 'lastn',
): QueryMatch {
  const forbidden = params.find((p) => FORBIDDEN_PARAMS.test(p.name));
  if (forbidden) return { ok: false, reason: `parameter "${forbidden.name}" is not allowed: the patient is taken from the access token` };
  const candidates = catalogue.searches.filter((t) => t.resourceType === resourceType && t.operation === operation);
  if (candidates.length === 0) {
    const what = operation ? `${resourceType}/$${operation}` : resourceType;
    return { ok: false, reason: `${what} is not a search of ${catalogue.title}` };
  }
  let best = 'the search is not supported';
  let bestProgress = -1;
  for (const t of candidates) {
    const why = mismatch(t, params);
    if (why === undefined) return { ok: true, template: t };
    if (why.progress > bestProgress) {
      best = why.reason;
      bestProgress = why.progress;
    }
  }
  return { ok: false, reason: best.charAt(0).toUpperCase() + best.slice(1) + '.' };
}
