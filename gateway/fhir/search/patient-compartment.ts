import type { FhirVersion, Resource } from '../../../adapters/types.js';
import { findParamDefinition, type ParamDefinition } from './param-definitions.js';

/**
 * @module The Patient compartment as data: HL7's CompartmentDefinition `patient` (STU3, R4;
 * `../definitions/compartment-patient-*.json`) says, per resource type, which search parameters
 * link a resource to a patient; their FHIRPath expressions come from the search parameter
 * definitions. This module only answers "which links" and "which patients are linked"; the
 * compartment *rule* (what the gateway does with an unlinked or foreign resource) is the access
 * decision's.
 */
export interface CompartmentLink {
  readonly param: string;
  readonly definition: ParamDefinition;
}

type Links = ReadonlyMap<string, readonly CompartmentLink[]>;

function buildLinks(version: FhirVersion, doc: unknown): Links {
  const resources = (doc as { resource?: unknown } | null)?.resource;
  if (!Array.isArray(resources)) throw new Error(`patient CompartmentDefinition (${version}) has no resource list`);
  const out = new Map<string, CompartmentLink[]>();
  for (const r of resources) {
    const { code, param } = (r ?? {}) as { code?: unknown; param?: unknown };
    if (typeof code !== 'string' || !Array.isArray(param)) throw new Error(`patient CompartmentDefinition (${version}) has a malformed resource entry`);
    out.set(
      code,
      param.map((p: unknown) => {
        const definition = typeof p === 'string' ? findParamDefinition(version, code, p) : undefined;
        // Every link must be evaluable, or the compartment would silently lose members.
        if (!definition || definition.type !== 'reference') throw new Error(`patient compartment (${version}): ${code}.${String(p)} has no reference search parameter definition`);
        return { param: p as string, definition };
      }),
    );
  }
  return out;
}

const LINKS: Readonly<Record<FhirVersion, Links>> = {
  STU3: buildLinks('STU3', (await import('../definitions/compartment-patient-stu3.json', { with: { type: 'json' } })).default),
  R4: buildLinks('R4', (await import('../definitions/compartment-patient-r4.json', { with: { type: 'json' } })).default),
};

/** The search parameters that put a resource of this type in a patient's compartment; undefined: the type is not in the compartment (Medication, Organization, …). */
export function patientCompartmentLinks(version: FhirVersion, resourceType: string): readonly CompartmentLink[] | undefined {
  return LINKS[version].get(resourceType);
}

/**
 * The same as a function of the data service's version, for the demo EHR (which indexes and
 * checks its data by this one rule, injected because adapters import no gateway code):
 * undefined for a type outside the compartment.
 */
export function compartmentPatients(version: FhirVersion, resource: Resource): readonly string[] | undefined {
  return patientCompartmentLinks(version, resource.resourceType) === undefined ? undefined : linkedPatientIds(version, resource);
}

/**
 * The patient ids a resource is linked to through its compartment parameters (relative
 * `Patient/{id}` references; a Patient is linked to itself). Empty for a type outside the
 * compartment, or a member that names no patient.
 */
export function linkedPatientIds(version: FhirVersion, resource: Resource): string[] {
  const ids = new Set<string>();
  if (resource.resourceType === 'Patient' && typeof resource.id === 'string') ids.add(resource.id);
  for (const link of patientCompartmentLinks(version, resource.resourceType) ?? []) {
    for (const v of link.definition.values(resource)) {
      const ref = (v as { reference?: unknown } | null)?.reference;
      const m = typeof ref === 'string' ? /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(ref) : null;
      if (m?.[1]) ids.add(m[1]);
    }
  }
  return [...ids];
}
