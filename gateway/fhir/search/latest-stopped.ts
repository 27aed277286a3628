import type { FhirVersion, Resource } from '../../../adapters/types.js';
import { rangeOf } from './date-match.js';
import { compileFhirPath, type CompiledPath } from './fhirpath-engine.js';
import { tokensOf } from './token-match.js';

/**
 * @module The second half of the Nictiz `period-of-use` SearchParameter (MP9 3.0,
 * http://nictiz.nl/fhir/SearchParameter/period-of-use): "it is required to also include the
 * latest stopped MedicationRequest and MedicationDispense resources [...] within each
 * pharmaceutical treatment, even if these have a period of use outside the PeriodOfUse that is
 * being searched on": of the resources with the `ext-StopType` modifierExtension, per
 * pharmaceutical treatment the one with the latest `MedicationRequest.authoredOn`, or
 * `ext-AdministrationAgreement.AdministrationAgreementDateTime` on a MedicationDispense (the
 * expressions below are those of the SearchParameter).
 */
export interface LatestStoppedRule {
  /** The moment of the (stopping) agreement. */
  readonly dateOf: CompiledPath;
}

const NICTIZ = 'http://nictiz.nl/fhir/StructureDefinition/';
export const STOP_TYPE = `${NICTIZ}ext-StopType`;

const DATE_EXPRESSIONS: Readonly<Record<string, string>> = {
  MedicationRequest: 'MedicationRequest.authoredOn',
  MedicationDispense: `MedicationDispense.extension('${NICTIZ}ext-AdministrationAgreement.AdministrationAgreementDateTime').value`,
};

const treatmentOf = compileFhirPath('R4', `extension('${NICTIZ}ext-PharmaceuticalTreatment.Identifier').value`);
const rules = new Map(Object.entries(DATE_EXPRESSIONS).map(([type, e]) => [type, { dateOf: compileFhirPath('R4', e) }]));

/** The rule for a parameter, when the Nictiz period-of-use SearchParameter gives it one. */
export function latestStoppedRuleFor(version: FhirVersion, resourceType: string, code: string): LatestStoppedRule | undefined {
  return version === 'R4' && code === 'period-of-use' ? rules.get(resourceType) : undefined;
}

function isStopped(r: Resource): boolean {
  const mods = r['modifierExtension'];
  return Array.isArray(mods) && mods.some((m) => (m as { url?: unknown } | null)?.url === STOP_TYPE);
}

function treatmentKeys(r: Resource): string[] {
  return treatmentOf(r).flatMap((v) => tokensOf(v).map((t) => `${t.system ?? ''}|${t.code}`));
}

function momentOf(r: Resource, rule: LatestStoppedRule): number | undefined {
  for (const v of rule.dateOf(r)) {
    const range = rangeOf(v);
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
