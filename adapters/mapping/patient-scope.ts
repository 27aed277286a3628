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
 * Where a resource stands relative to the token's patient:
 * - `own`: a Patient that is the patient, or a resource whose compartment fields name the patient
 *   and no other, and that refers to no other Patient anywhere;
 * - `unlinked`: a compartment-type resource that names no patient at all (a Specimen of a
 *   contained Device), reachable through the patient's own references (reads, `_include`);
 * - `foreign`: a Patient that is not the patient, or any reference to another Patient (an
 *   unparseable Patient reference counts as another). Never served.
 * Non-compartment resources (Practitioner, Organization, Medication...) are `own`: they are
 * shared resources reached through the patient's data. Adapters and the gateway both use this.
 */
export type CompartmentVerdict = 'own' | 'unlinked' | 'foreign';

export function judgeCompartment(resource: Resource, patientRef: string): CompartmentVerdict {
  if (resource.resourceType === 'Patient' && resource.id !== patientRef) return 'foreign';
  if (patientIdsIn(resource).some((id) => id !== patientRef)) return 'foreign';
  if (!isVisibleToPatient(resource, patientRef, { allowUnlinked: true })) return 'foreign';
  return isVisibleToPatient(resource, patientRef) ? 'own' : 'unlinked';
}

/**
 * `allowUnlinked` is for reads (and so `_include`): a resource that names no patient may come
 * through; a search result must name the patient (it came from a patient-filtered query).
 */
export function inPatientScope(resource: Resource, patientRef: string, options: { readonly allowUnlinked: boolean }): boolean {
  const verdict = judgeCompartment(resource, patientRef);
  return verdict === 'own' || (verdict === 'unlinked' && options.allowUnlinked);
}
