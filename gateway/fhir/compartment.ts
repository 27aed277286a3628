import { isVisibleToPatient, type Resource } from '../../adapters/index.js';

/**
 * Defence in depth behind the adapters (house rule 5): every resource served must lie in the
 * token's patient compartment. A Patient must be the token's patient; any other resource may
 * point at no Patient but that one. Resources that name no patient at all (Practitioner,
 * Organization, Medication, Location...) are the shared resources reached through the patient's
 * own data and pass. Two checks, both must hold (fail closed): the adapters' compartment rules
 * (adapters/patient-compartment.ts: a compartment type must name the token's patient), and no
 * reference to another Patient anywhere in the resource (contained resources,
 * Binary.securityContext, elements the compartment table does not list).
 */
export interface CompartmentViolation {
  readonly resourceType: string;
}

export interface CompartmentResult {
  readonly kept: readonly Resource[];
  readonly violations: readonly CompartmentViolation[];
}

/** `Patient/x`, `https://host/fhir/Patient/x` or `Patient/x/_history/2` → `x`. */
const PATIENT_REFERENCE = /(?:^|\/)Patient\/([^/?#]+)(?:\/_history\/[^/]+)?$/;

/** Ids of every Patient the resource refers to, in document order. */
export function patientReferencesOf(resource: Resource): string[] {
  const ids: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'reference' && typeof value === 'string') {
        const m = PATIENT_REFERENCE.exec(value);
        if (m?.[1]) ids.push(m[1]);
      } else {
        walk(value);
      }
    }
  };
  walk(resource);
  return ids;
}

export function belongsToPatient(resource: Resource, patientRef: string): boolean {
  if (resource.resourceType === 'Patient' && resource.id !== patientRef) return false;
  return isVisibleToPatient(resource, patientRef) && patientReferencesOf(resource).every((id) => id === patientRef);
}

export function checkPatientCompartment(resources: readonly Resource[], patientRef: string): CompartmentResult {
  const kept: Resource[] = [];
  const violations: CompartmentViolation[] = [];
  for (const r of resources) {
    if (belongsToPatient(r, patientRef)) kept.push(r);
    else violations.push({ resourceType: r.resourceType });
  }
  return { kept, violations };
}
