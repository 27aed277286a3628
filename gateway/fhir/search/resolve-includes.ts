import type { FhirVersion, Resource } from '../../../adapters/types.js';
import { SearchParamError } from './search-param-error.js';
import { findParamDefinition, type ParamDefinition } from './param-definitions.js';
import { valuesAt } from './filter-resources.js';
import type { ReferenceResolver } from './reference-resolver.js';
import type { IncludeSpec } from './search-request.js';

/**
 * `_include` and `_include:iterate` (FHIR R4 §3.1.1.5.4): follow the named reference parameter of
 * the matches, and for iterate also of what was included, until nothing new turns up. Targets are
 * read through the guarded adapter (compartment-guard.ts): another patient's resource never
 * arrives here, and the router checks the includes of the final answer again.
 */
const MAX_ITERATIONS = 10;

interface CompiledInclude {
  readonly spec: IncludeSpec;
  readonly def: ParamDefinition;
}

export function compileIncludes(version: FhirVersion, specs: readonly IncludeSpec[]): CompiledInclude[] {
  return specs.map((spec) => {
    const def = findParamDefinition(version, spec.sourceType, spec.param);
    if (!def || def.type !== 'reference') {
      throw new SearchParamError('_include', `_include ${spec.sourceType}:${spec.param} is not supported`);
    }
    if (spec.targetType !== undefined && !(def.targets ?? []).includes(spec.targetType)) {
      throw new SearchParamError('_include', `_include ${spec.sourceType}:${spec.param} cannot point at ${spec.targetType}`);
    }
    return { spec, def };
  });
}

function keyOf(r: Resource): string {
  return `${r.resourceType}/${r.id ?? ''}`;
}

function referencesOf(resource: Resource, inc: CompiledInclude): string[] {
  const targets = inc.spec.targetType !== undefined ? [inc.spec.targetType] : (inc.def.targets ?? []);
  const refs: string[] = [];
  for (const v of valuesAt(resource, inc.def)) {
    const ref = (v as { reference?: unknown } | null)?.reference;
    // Relative references only: contained (`#id`) resources travel inside their parent, and
    // absolute URLs point at other servers we must not fetch.
    if (typeof ref !== 'string' || !/^[A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(ref)) continue;
    if (targets.includes(ref.slice(0, ref.indexOf('/')))) refs.push(ref);
  }
  return refs;
}

export async function resolveIncludes(
  matches: readonly Resource[],
  includes: readonly CompiledInclude[],
  references: ReferenceResolver,
): Promise<Resource[]> {
  if (includes.length === 0) return [];
  const seen = new Set(matches.map(keyOf));
  const included: Resource[] = [];
  let frontier: readonly Resource[] = matches;
  for (let round = 0; round < MAX_ITERATIONS && frontier.length > 0; round++) {
    // Every new reference of this round, in order; then one fetch per target type for all of them.
    const wanted: string[] = [];
    for (const inc of includes) {
      // Plain _include applies to the matches only; iterate to everything included so far too.
      if (round > 0 && !inc.spec.iterate) continue;
      for (const source of frontier) {
        if (source.resourceType !== inc.spec.sourceType) continue;
        for (const ref of referencesOf(source, inc)) {
          if (seen.has(ref)) continue;
          seen.add(ref);
          wanted.push(ref);
        }
      }
    }
    await references.many(wanted);
    const next: Resource[] = [];
    for (const ref of wanted) {
      const target = await references.one(ref);
      if (!target) continue;
      included.push(target);
      next.push(target);
    }
    frontier = next;
  }
  return included;
}
