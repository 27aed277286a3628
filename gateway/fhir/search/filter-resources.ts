import type { FhirVersion, Resource, SearchCriterion, SearchParam } from '../../../adapters/types.js';
import { SearchParamError } from './search-param-error.js';
import { findParamDefinition, type ParamDefinition } from './param-definitions.js';
import { elementValues } from './element-values.js';
import { matchesToken, parseTokenValue, splitOr, type TokenCriterion } from './token-match.js';
import { matchesDate, parseDateValue, type DateCriterion } from './date-match.js';

/**
 * Compiles one filter parameter (so a malformed value fails before any data is touched) into a
 * Criterion: its parsed value, which adapters may push down (adapters/types.ts SearchCriterion),
 * plus the predicate the engine applies; all criteria must hold (repeated parameters are AND,
 * commas are OR). A chained parameter (`medication.code`) follows the reference through `resolve`.
 */
export type ResolveReference = (reference: string) => Promise<Resource | undefined>;
export type ResourcePredicate = (resource: Resource, resolve: ResolveReference) => Promise<boolean>;
export type Criterion = SearchCriterion & { readonly test: ResourcePredicate };

function valuesAt(resource: unknown, def: ParamDefinition): unknown[] {
  return def.paths.flatMap((p) => elementValues(resource, p).map((v) => v.value));
}

type Leaf = { readonly criterion: SearchCriterion; readonly test: (r: Resource) => boolean };

function compileLeaf(version: FhirVersion, resourceType: string, name: string, value: string): Leaf {
  const def = findParamDefinition(version, resourceType, name);
  if (!def) throw new SearchParamError(name, `parameter "${name}" is not supported on ${resourceType}`);
  if (def.type === 'token') {
    const any: TokenCriterion[] = parseTokenValue(name, value);
    return { criterion: { kind: 'token', name, raw: value, any }, test: (r) => matchesToken(valuesAt(r, def), any) };
  }
  if (def.type === 'date') {
    const any: DateCriterion[] = splitOr(value).map((v) => parseDateValue(name, v));
    return {
      criterion: { kind: 'date', name, raw: value, any },
      test: (r) => {
        const values = valuesAt(r, def);
        return any.some((c) => matchesDate(values, c));
      },
    };
  }
  throw new SearchParamError(name, `reference parameter "${name}" can only be used in a chain or _include`);
}

export function compileCriterion(version: FhirVersion, resourceType: string, p: SearchParam): Criterion {
  if (p.name.includes(':')) throw new SearchParamError(p.name, `modifiers are not supported (parameter "${p.name}")`);
  const dot = p.name.indexOf('.');
  if (dot < 0) {
    const leaf = compileLeaf(version, resourceType, p.name, p.value);
    return { ...leaf.criterion, test: async (r) => leaf.test(r) };
  }
  // Chained search (FHIR §3.1.1.4.7): `medication.code=…` on the resources the reference points at.
  const refName = p.name.slice(0, dot);
  const chained = p.name.slice(dot + 1);
  const def = findParamDefinition(version, resourceType, refName);
  if (!def || def.type !== 'reference' || !def.targets || def.targets.length !== 1) {
    throw new SearchParamError(p.name, `chained parameter "${p.name}" is not supported on ${resourceType}`);
  }
  const targetType = def.targets[0] as string;
  const leaf = compileLeaf(version, targetType, chained, p.value);
  // The chain's value is the target's parameter value: a backend that can filter on it gets it parsed.
  return {
    ...leaf.criterion,
    name: p.name,
    test: async (r, resolve) => {
      for (const v of valuesAt(r, def)) {
        const ref = (v as { reference?: unknown } | null)?.reference;
        if (typeof ref !== 'string' || !ref.startsWith(`${targetType}/`)) continue;
        const target = await resolve(ref);
        if (target && leaf.test(target)) return true;
      }
      return false;
    },
  };
}

export async function applyFilters(
  resources: readonly Resource[],
  criteria: readonly Criterion[],
  resolve: ResolveReference,
): Promise<Resource[]> {
  const out: Resource[] = [];
  for (const r of resources) {
    let ok = true;
    for (const c of criteria) {
      if (!(await c.test(r, resolve))) {
        ok = false;
        break;
      }
    }
    if (ok) out.push(r);
  }
  return out;
}

export { valuesAt };
