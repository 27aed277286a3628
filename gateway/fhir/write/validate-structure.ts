import type { FhirVersion, Resource } from '../../../adapters/types.js';
import { validateAgainstDefinitions } from '../fhir-xml.js';

/**
 * The base-structure check of one shared resource: every element known to its resource type,
 * each with the right cardinality (a list where the definition says 0..*, one value where it says
 * 0..1), the right primitive type, and the elements the base definition makes required. Done by
 * the `fhir` package's validator (FHIR.js, lantanagroup) against the official definitions of the
 * service's FHIR version, the same ones gateway/fhir/fhir-xml.ts converts with, rather than by
 * hand-written rules that would drift from the standard. Codes are not checked against value sets
 * here (the profile check pins the codes that matter); the profile's own rules follow in
 * check-profile.ts.
 *
 * The answer names the element (`Observation.valueQuantity.value`), never its value (house rule 6).
 */

/** One structure problem: where (a FHIRPath-like location) and what, free of request values. */
export interface StructureProblem {
  readonly element: string;
  readonly message: string;
}

export function validateStructure(resource: Resource, version: FhirVersion): readonly StructureProblem[] {
  return validateAgainstDefinitions(resource, version)
    .filter((m) => m.severity === 'error' || m.severity === 'fatal')
    .map((m) => ({ element: m.location ?? resource.resourceType, message: withoutValues(m.message ?? 'invalid') }));
}

/** The validator quotes offending values ("… for value \"abc\""); the answer must not echo them. */
function withoutValues(message: string): string {
  return message.replace(/\s*(?:for value\s*)?"[^"]*"/g, '').replace(/\s+for value\s*$/, '').trim();
}
