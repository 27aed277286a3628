import type { Resource } from '../types.js';
import { isVisibleToPatient } from '../patient-compartment.js';

/**
 * Adapter-side compartment check (defence in depth before the gateway's own): whatever the
 * upstream sent, a resource of another patient is never returned as this patient's. On top of
 * the compartment rules (adapters/patient-compartment.ts), ANY Patient reference anywhere in the
 * resource must be the token's patient (fail closed on e.g. a foreign Patient in `contained`).
 */
const PATIENT_REF = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

export function patientIdsIn(resource: Resource): string[] {
  const ids: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
    } else if (node !== null && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'reference' && typeof v === 'string') {
          const m = PATIENT_REF.exec(v);
          // A Patient reference we cannot parse counts as a foreign patient.
          if (m?.[1]) ids.push(m[1]);
          else if (/(^|\/)Patient\//.test(v)) ids.push('');
        } else walk(v);
      }
    }
  };
  walk(resource);
  return ids;
}

/**
 * `allowUnlinked` is for reads (and so `_include`): a compartment-type resource that names no
 * patient at all (a Specimen of a contained Device) may be read through the patient's own
 * references; a search result must name the patient (it came from a patient-filtered query).
 */
export function inPatientScope(resource: Resource, patientRef: string, options: { readonly allowUnlinked: boolean }): boolean {
  return isVisibleToPatient(resource, patientRef, options) && patientIdsIn(resource).every((id) => id === patientRef);
}
