import type { Resource } from '../../../adapters/types.js';
import { rangeOf } from './date-match.js';
import { elementValues } from './element-values.js';
import { tokensOf } from './token-match.js';

/**
 * @module The second half of the Nictiz `period-of-use` SearchParameter (MP9 3.0,
 * http://nictiz.nl/fhir/SearchParameter/period-of-use): "it is required to also include the
 * latest stopped MedicationRequest and MedicationDispense resources [...] within each
 * pharmaceutical treatment, even if these have a period of use outside the PeriodOfUse that is
 * being searched on": of the resources with the `ext-StopType` modifierExtension, per
 * pharmaceutical treatment the one with the latest `MedicationRequest.authoredOn`, or
 * `ext-AdministrationAgreement.AdministrationAgreementDateTime` on a MedicationDispense.
 */
export interface LatestStoppedRule {
  /** Where the moment of the (stopping) agreement is, in the element-path syntax. */
  readonly datePath: string;
}

const NICTIZ = 'http://nictiz.nl/fhir/StructureDefinition/';
export const STOP_TYPE = `${NICTIZ}ext-StopType`;
const TREATMENT = `extension(${NICTIZ}ext-PharmaceuticalTreatment.Identifier).valueIdentifier`;

function isStopped(r: Resource): boolean {
  const mods = r['modifierExtension'];
  return Array.isArray(mods) && mods.some((m) => (m as { url?: unknown } | null)?.url === STOP_TYPE);
}

function treatmentKeys(r: Resource): string[] {
  return elementValues(r, TREATMENT).flatMap((v) => tokensOf(v.value).map((t) => `${t.system ?? ''}|${t.code}`));
}

function momentOf(r: Resource, rule: LatestStoppedRule): number | undefined {
  for (const v of elementValues(r, rule.datePath)) {
    const range = rangeOf(v.value);
    if (range) return range.low;
  }
  return undefined;
}

/** The latest stopped resource of every pharmaceutical treatment among `pool`. */
export function latestStopped(pool: readonly Resource[], rule: LatestStoppedRule): Set<Resource> {
  const best = new Map<string, { resource: Resource; at: number }>();
  for (const r of pool) {
    if (!isStopped(r)) continue;
    const at = momentOf(r, rule);
    if (at === undefined) continue;
    for (const key of treatmentKeys(r)) {
      const current = best.get(key);
      if (!current || at > current.at) best.set(key, { resource: r, at });
    }
  }
  return new Set([...best.values()].map((b) => b.resource));
}
