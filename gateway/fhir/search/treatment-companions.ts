import type { FhirVersion, Resource } from '../../../adapters/types.js';
import { compileFhirPath } from './fhirpath-engine.js';
import { tokensOf } from './token-match.js';

/**
 * @module MP 9.0.7 (STU3) `periodofuse` on MedicationDispense: a dispense (verstrekking) has no
 * period of use of its own (zib-Medication-PeriodOfUse sits on the administration agreement, the
 * dispense only has a request date), yet the Nictiz Dispense612Conversion XIS-Server scripts
 * (3-1e..3-1g) expect, for every administration agreement in the window, the dispense of the same
 * pharmaceutical treatment as well: as many dispenses as agreements. So a MedicationDispense
 * without a period of use is admitted when a resource of the same treatment
 * (zib-Medication-MedicationTreatment) matched the window.
 */
const NICTIZ = 'http://nictiz.nl/fhir/StructureDefinition/';
const treatmentOf = compileFhirPath('STU3', `extension('${NICTIZ}zib-Medication-MedicationTreatment').value`);
const periodOfUseOf = compileFhirPath('STU3', `extension('${NICTIZ}zib-Medication-PeriodOfUse').value`);

/** Whether a parameter admits treatment companions. */
export function admitsTreatmentCompanions(version: FhirVersion, resourceType: string, code: string): boolean {
  return version === 'STU3' && resourceType === 'MedicationDispense' && code === 'periodofuse';
}

function treatmentKeys(r: Resource): string[] {
  return treatmentOf(r).flatMap((v) => tokensOf(v).map((t) => `${t.system ?? ''}|${t.code}`));
}

/** The resources of `pool` without a period of use that share a treatment with one of `matched`. */
export function treatmentCompanions(pool: readonly Resource[], matched: ReadonlySet<Resource>): Set<Resource> {
  const treatments = new Set([...matched].flatMap(treatmentKeys));
  const out = new Set<Resource>();
  if (treatments.size === 0) return out;
  for (const r of pool) {
    if (matched.has(r) || periodOfUseOf(r).length > 0) continue;
    if (treatmentKeys(r).some((k) => treatments.has(k))) out.add(r);
  }
  return out;
}
