import type { FhirVersion, Resource, SearchCriterion, SearchParam } from '../../../adapters/types.js';
import { SearchParamError } from './search-param-error.js';
import { findParamDefinition, type ParamDefinition } from './param-definitions.js';
import { matchesOfType, matchesToken, matchesTokenText, parseOfTypeValue, parseTokenValue, splitOr } from './token-match.js';
import { matchesDate, parseDateValue } from './date-match.js';
import { matchesString, parseStringValue, type StringMode } from './string-match.js';
import { matchesReference, parseReferenceValue } from './reference-match.js';
import { latestStopped } from './latest-stopped.js';
import { admitsTreatmentCompanions, treatmentCompanions } from './treatment-companions.js';

/**
 * @module One search parameter occurrence as sent (`name[:modifier]=value`, or a chain
 * `ref.name=value`), compiled once into a criterion: parsing fails with a SearchParamError before
 * any data is read. Modifiers per FHIR R4 §3.1.1.5 (search.html#modifiers; STU3 §2.21.1.5):
 * `:missing` on every type; `:exact` and `:contains` on strings; `:not` and `:text` on tokens,
 * `:of-type` on identifiers (R4); `:identifier` (R4) and `:[Type]` on references. Others
 * (`:in`, `:below`, `:above`, terminology-based) are refused: we cannot answer them exactly.
 */
export type ResolveReference = (reference: string) => Promise<Resource | undefined>;

/**
 * A compiled criterion: its parsed value for adapters to push down (adapters/types.ts
 * SearchCriterion: `token`/`date` only for an unmodified parameter, `other` for modifiers, which
 * no adapter interprets) plus the engine's predicate.
 */
export type Criterion = SearchCriterion & {
  readonly test: (resource: Resource, resolve: ResolveReference) => Promise<boolean>;
  /**
   * The same test without a promise, when it needs no other resource (every criterion but a
   * chain): the engine runs it on every candidate, and an await per candidate and criterion cost
   * more than the test itself over 10,000 Observations.
   */
  readonly testNow?: (resource: Resource) => boolean;
  /**
   * Resources that match whatever `test` says, picked from the candidates that pass every other
   * criterion (MP9 period-of-use: the latest stopped resource per pharmaceutical treatment;
   * MP 9.0.7 periodofuse: the dispenses of the treatments in `matched`, those of the pool that
   * also pass this parameter).
   */
  readonly alsoAdmit?: (pool: readonly Resource[], matched: ReadonlySet<Resource>) => ReadonlySet<Resource>;
};

export function valuesAt(resource: unknown, def: ParamDefinition): unknown[] {
  return def.values(resource);
}

type Test = (r: Resource) => boolean;
interface Leaf {
  readonly criterion: SearchCriterion;
  readonly test: Test;
}

function splitName(name: string): { base: string; modifier?: string } {
  const colon = name.indexOf(':');
  return colon < 0 ? { base: name } : { base: name.slice(0, colon), modifier: name.slice(colon + 1) };
}

function refuse(param: string, modifier: string, type: string): never {
  throw new SearchParamError(param, `modifier ":${modifier}" is not supported on ${type} parameter "${param}"`);
}

function compileMissing(param: string, def: ParamDefinition, value: string): Test {
  if (value !== 'true' && value !== 'false') throw new SearchParamError(param, `parameter "${param}" must be true or false`);
  const wantMissing = value === 'true';
  return (r) => (valuesAt(r, def).length === 0) === wantMissing;
}

function compileTest(version: FhirVersion, resourceType: string, name: string, value: string, now: number): Test {
  const { base, modifier } = splitName(name);
  const def = findParamDefinition(version, resourceType, base);
  if (!def) throw new SearchParamError(name, `parameter "${base}" is not supported on ${resourceType}`);
  if (modifier === 'missing') return compileMissing(name, def, value);
  const at = (r: Resource) => valuesAt(r, def);
  switch (def.type) {
    case 'token': {
      if (modifier === 'text') {
        const wanted = splitOr(value);
        if (wanted.some((w) => w === '')) throw new SearchParamError(name, `parameter "${name}" has an empty text`);
        return (r) => matchesTokenText(at(r), wanted);
      }
      if (modifier === 'of-type') {
        if (version !== 'R4' || base !== 'identifier') refuse(name, modifier, 'this');
        const criteria = parseOfTypeValue(name, value);
        return (r) => matchesOfType(at(r), criteria);
      }
      if (modifier !== undefined && modifier !== 'not') refuse(name, modifier, 'token');
      const criteria = parseTokenValue(name, value);
      // :not reverses the match; resources without the element match too (R4 §3.1.1.5.5).
      return modifier === 'not' ? (r) => !matchesToken(at(r), criteria) : (r) => matchesToken(at(r), criteria);
    }
    case 'date': {
      if (modifier !== undefined) refuse(name, modifier, 'date');
      const criteria = splitOr(value).map((v) => parseDateValue(name, v, now));
      return (r) => {
        const values = at(r);
        return criteria.some((c) => matchesDate(values, c));
      };
    }
    case 'string': {
      if (modifier !== undefined && modifier !== 'exact' && modifier !== 'contains') refuse(name, modifier, 'string');
      const wanted = parseStringValue(value);
      const mode: StringMode = modifier === 'exact' ? 'exact' : modifier === 'contains' ? 'contains' : 'starts';
      return (r) => matchesString(at(r), wanted, mode);
    }
    case 'reference': {
      const targets = def.targets ?? [];
      if (modifier === 'identifier') {
        if (version !== 'R4') refuse(name, modifier, 'STU3 reference');
        const criteria = parseTokenValue(name, value);
        return (r) => matchesToken(at(r).map((v) => (v as { identifier?: unknown } | null)?.identifier), criteria);
      }
      if (modifier !== undefined && !targets.includes(modifier)) refuse(name, modifier, 'reference');
      const criteria = parseReferenceValue(name, value, modifier);
      return (r) => matchesReference(at(r), criteria, targets);
    }
  }
}

function compileLeaf(version: FhirVersion, resourceType: string, name: string, value: string, now: number): Leaf {
  const test = compileTest(version, resourceType, name, value, now);
  const def = findParamDefinition(version, resourceType, name);
  // Only an unmodified token or date parameter is offered to adapters in parsed form.
  if (def?.type === 'token') return { criterion: { kind: 'token', name, raw: value, any: parseTokenValue(name, value) }, test };
  if (def?.type === 'date') return { criterion: { kind: 'date', name, raw: value, any: splitOr(value).map((v) => parseDateValue(name, v, now)) }, test };
  return { criterion: { kind: 'other', name, raw: value }, test };
}

/** Compiles one parameter occurrence. `now` fixes the `ap` date margin for the whole request. */
export function compileCriterion(version: FhirVersion, resourceType: string, p: SearchParam, now: number = Date.now()): Criterion {
  const dot = p.name.indexOf('.');
  if (dot < 0) {
    const leaf = compileLeaf(version, resourceType, p.name, p.value, now);
    const def = findParamDefinition(version, resourceType, splitName(p.name).base);
    const rule = p.name.includes(':') ? undefined : def?.latestStopped;
    const companions = !p.name.includes(':') && admitsTreatmentCompanions(version, resourceType, p.name);
    return {
      ...leaf.criterion,
      test: async (r) => leaf.test(r),
      testNow: leaf.test,
      ...(rule ? { alsoAdmit: (pool: readonly Resource[]) => latestStopped(pool, rule) } : {}),
      ...(companions ? { alsoAdmit: (pool: readonly Resource[], matched: ReadonlySet<Resource>) => treatmentCompanions(pool, matched) } : {}),
    };
  }
  // Chained search (FHIR §3.1.1.4.7): `medication.code=…` on the resources the reference points at.
  const refName = p.name.slice(0, dot);
  const chained = p.name.slice(dot + 1);
  const def = findParamDefinition(version, resourceType, refName);
  if (!def || def.type !== 'reference' || !def.targets || def.targets.length !== 1) {
    throw new SearchParamError(p.name, `chained parameter "${p.name}" is not supported on ${resourceType}`);
  }
  const targetType = def.targets[0] as string;
  const leaf = compileLeaf(version, targetType, chained, p.value, now);
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
