import { isVisibleToPatient, patientIdsIn, type Resource } from '../../adapters/index.js';

/**
 * Defence in depth behind the adapters (house rule 5): every resource served must lie in the
 * token's patient compartment. Three verdicts:
 * - `own`: a Patient that is the token's patient, or a resource whose compartment fields name
 *   that patient and no other (adapters/patient-compartment.ts).
 * - `unlinked`: a compartment-type resource that names no patient at all, e.g. a Specimen whose
 *   subject is a contained Device. Reached through the patient's own data (`_include`), it may
 *   be served; as a search match it may not (a match must name the patient).
 * - `foreign`: a Patient that is not the token's patient, or any reference to another Patient
 *   anywhere in the resource (contained resources, Binary.securityContext, elements the
 *   compartment table does not list). Never served, and an alarm.
 * Shared resources that name no patient and are no compartment type (Practitioner,
 * Organization, Medication, Location...) are `own`: they are reached through the patient's data.
 */
export type CompartmentVerdict = 'own' | 'unlinked' | 'foreign';

export interface CompartmentViolation {
  readonly resourceType: string;
}

export interface CompartmentResult {
  readonly kept: readonly Resource[];
  /** Resources of another patient: dropped, and each one an alarm. */
  readonly violations: readonly CompartmentViolation[];
}

export function judgeCompartment(resource: Resource, patientRef: string): CompartmentVerdict {
  if (resource.resourceType === 'Patient' && resource.id !== patientRef) return 'foreign';
  // An unparseable Patient reference counts as another patient (patientIdsIn yields '').
  if (patientIdsIn(resource).some((id) => id !== patientRef)) return 'foreign';
  if (!isVisibleToPatient(resource, patientRef, { allowUnlinked: true })) return 'foreign';
  return isVisibleToPatient(resource, patientRef) ? 'own' : 'unlinked';
}

/**
 * Keeps the patient's resources. `allowUnlinked` is for includes and the reads behind them;
 * search matches and direct reads leave it off. An unlinked resource that is not allowed is
 * dropped without an alarm: it is nobody else's data.
 */
export function checkPatientCompartment(
  resources: readonly Resource[],
  patientRef: string,
  options: { readonly allowUnlinked?: boolean } = {},
): CompartmentResult {
  const kept: Resource[] = [];
  const violations: CompartmentViolation[] = [];
  for (const r of resources) {
    const verdict = judgeCompartment(r, patientRef);
    if (verdict === 'own' || (verdict === 'unlinked' && options.allowUnlinked === true)) kept.push(r);
    else if (verdict === 'foreign') violations.push({ resourceType: r.resourceType });
  }
  return { kept, violations };
}
