import type { FhirVersion } from '../../../adapters/types.js';
import { compileFhirPath, type CompiledPath } from './fhirpath-engine.js';
import { latestStoppedRuleFor, type LatestStoppedRule } from './latest-stopped.js';

/**
 * @module The search parameters the engine understands, as data: the SearchParameter resources
 * in `../definitions/search-parameters-{stu3,r4}.json` (official HL7 STU3/R4 definitions and the
 * Nictiz ones, each entry naming its source; README.md there), with their FHIRPath expressions
 * compiled once here, when the module loads, by HL7's fhirpath engine. A new information
 * standard whose searches use known parameter types needs a catalogue YAML only; a parameter that
 * is not here yet is one more SearchParameter entry, no engine code.
 */
export type ParamType = 'token' | 'date' | 'reference' | 'string';

export interface ParamDefinition {
  readonly type: ParamType;
  /** The canonical URL of the SearchParameter (absent for definitions without a published one). */
  readonly url?: string;
  readonly expression: string;
  /** The element values the expression selects on a resource. */
  readonly values: CompiledPath;
  /** Reference parameters: the resource types the reference may point to (for chains and includes). */
  readonly targets?: readonly string[];
  /** MP9 `period-of-use` on MedicationRequest/MedicationDispense: the latest stopped resource per treatment is a match too. */
  readonly latestStopped?: LatestStoppedRule;
}

/** The fields of a SearchParameter resource the engine reads. */
interface SearchParameterData {
  readonly url?: string;
  readonly code: string;
  readonly base: readonly string[];
  readonly type: string;
  readonly expression: string;
  readonly target?: readonly string[];
}

type Table = ReadonlyMap<string, ReadonlyMap<string, ParamDefinition>>;

const PARAM_TYPES: ReadonlySet<string> = new Set(['token', 'date', 'reference', 'string']);

function isSearchParameter(v: unknown): v is SearchParameterData {
  const r = v as Partial<Record<keyof SearchParameterData, unknown>> | null;
  return (
    typeof r === 'object' && r !== null && typeof r.code === 'string' && Array.isArray(r.base) && typeof r.type === 'string' &&
    PARAM_TYPES.has(r.type) && typeof r.expression === 'string' && (r.target === undefined || Array.isArray(r.target))
  );
}

/** Builds the table of one FHIR version from a Bundle of SearchParameters; a malformed entry is a start-up error. */
export function buildParamTable(version: FhirVersion, bundle: unknown): Table {
  const entries = (bundle as { entry?: unknown } | null)?.entry;
  if (!Array.isArray(entries)) throw new Error(`search parameter definitions (${version}) are not a Bundle`);
  const table = new Map<string, Map<string, ParamDefinition>>();
  for (const [i, e] of entries.entries()) {
    const sp: unknown = (e as { resource?: unknown } | null)?.resource;
    if (!isSearchParameter(sp)) throw new Error(`search parameter definitions (${version}): entry ${i} is not a usable SearchParameter`);
    const values = compileFhirPath(version, sp.expression);
    for (const base of sp.base) {
      const rule = latestStoppedRuleFor(version, base, sp.code);
      const def: ParamDefinition = {
        type: sp.type as ParamType,
        expression: sp.expression,
        values,
        ...(sp.url !== undefined ? { url: sp.url } : {}),
        ...(sp.target !== undefined ? { targets: sp.target } : {}),
        ...(rule ? { latestStopped: rule } : {}),
      };
      let forType = table.get(base);
      if (!forType) table.set(base, (forType = new Map()));
      if (forType.has(sp.code)) throw new Error(`search parameter definitions (${version}): ${base}.${sp.code} is defined twice`);
      forType.set(sp.code, def);
    }
  }
  return table;
}

const stu3 = (await import('../definitions/search-parameters-stu3.json', { with: { type: 'json' } })).default as unknown;
const r4 = (await import('../definitions/search-parameters-r4.json', { with: { type: 'json' } })).default as unknown;

export const SEARCH_PARAMETERS: Readonly<Record<FhirVersion, Table>> = {
  STU3: buildParamTable('STU3', stu3),
  R4: buildParamTable('R4', r4),
};

/** The definition of `name` on `resourceType` (or on every resource: `_id`, `_lastUpdated`), or undefined. */
export function findParamDefinition(version: FhirVersion, resourceType: string, name: string): ParamDefinition | undefined {
  const table = SEARCH_PARAMETERS[version];
  return table.get(resourceType)?.get(name) ?? table.get('Resource')?.get(name);
}

/** The parameter names defined on a resource type (for the capability statement and checks). */
export function paramNamesOf(version: FhirVersion, resourceType: string): string[] {
  return [...(SEARCH_PARAMETERS[version].get(resourceType)?.keys() ?? [])];
}
