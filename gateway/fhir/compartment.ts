import { judgeCompartment, type Resource } from '../../adapters/index.js';

/**
 * Defence in depth behind the adapters (house rule 5): every resource served must lie in the
 * token's patient compartment, judged by the same rule the adapters apply
 * (adapters/mapping/patient-scope.ts `judgeCompartment`: own, unlinked or foreign).
 */
export type { CompartmentVerdict } from '../../adapters/index.js';

export interface CompartmentViolation {
  readonly resourceType: string;
}

export interface CompartmentResult {
  readonly kept: readonly Resource[];
  /** Resources of another patient: dropped, and each one an alarm. */
  readonly violations: readonly CompartmentViolation[];
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
