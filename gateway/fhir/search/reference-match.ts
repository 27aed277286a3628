import { SearchParamError } from './search-param-error.js';
import { splitOr } from './token-match.js';

/**
 * @module Reference search (FHIR R4 §3.1.1.5.10, STU3 the same): `Type/id`, a bare `id` (any of
 * the parameter's target types), or an absolute URL whose tail is `Type/id`; `:Type` restricts a
 * bare id to one type. Only the reference text is compared: no resolution, no version.
 */
export interface ReferenceCriterion {
  readonly type?: string;
  readonly id: string;
}

const TYPED = /^(?:.*\/)?([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;
const BARE = /^[A-Za-z0-9\-.]{1,64}$/;

export function parseReferenceValue(param: string, raw: string, typeModifier?: string): ReferenceCriterion[] {
  return splitOr(raw).map((part) => {
    const typed = TYPED.exec(part);
    if (typed?.[1] && typed[2]) {
      if (typeModifier !== undefined && typed[1] !== typeModifier) {
        throw new SearchParamError(param, `parameter "${param}" names another type than its :${typeModifier} modifier`);
      }
      return { type: typed[1], id: typed[2] };
    }
    if (!BARE.test(part)) throw new SearchParamError(param, `parameter "${param}" must be Type/id or an id`);
    return typeModifier === undefined ? { id: part } : { type: typeModifier, id: part };
  });
}

export function matchesReference(values: readonly unknown[], criteria: readonly ReferenceCriterion[], targets: readonly string[]): boolean {
  return values.some((v) => {
    const ref = (v as { reference?: unknown } | null)?.reference;
    if (typeof ref !== 'string') return false;
    const m = TYPED.exec(ref);
    if (!m?.[1] || !m[2]) return false;
    const [, type, id] = m;
    return criteria.some((c) => c.id === id && (c.type === undefined ? targets.includes(type) : c.type === type));
  });
}
