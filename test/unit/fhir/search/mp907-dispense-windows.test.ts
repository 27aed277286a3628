import { applyFilters, compileFilters } from '../../../../gateway/fhir/search/index.js';
import type { Resource } from '../../../../adapters/types.js';

/**
 * MP 9.0.7 (STU3) windows on MedicationDispense: `requestdate` on a dispense's request date or an
 * administration agreement's date, and `periodofuse`, which a dispense (no period of use of its
 * own) passes with the administration agreement of its pharmaceutical treatment.
 */
const N = 'http://nictiz.nl/fhir/StructureDefinition/';
const noResolve = async () => undefined;
const run = async (params: [string, string][], resources: Resource[]) => {
  const criteria = compileFilters('STU3', 'MedicationDispense', params.map(([name, value]) => ({ name, value })));
  return (await applyFilters(resources, criteria, noResolve)).map((r) => r.id);
};
const treatment = (value: string) => ({ url: `${N}zib-Medication-MedicationTreatment`, valueIdentifier: { system: 'urn:oid:1.2.3', value } });
const category = (code: string) => ({ coding: [{ system: 'http://snomed.info/sct', code }] });
const agreement = (id: string, t: string, authored: string, period: Record<string, string>): Resource =>
  ({
    resourceType: 'MedicationDispense', id, category: category('422037009'),
    extension: [{ url: `${N}zib-AdministrationAgreement-AuthoredOn`, valueDateTime: authored }, treatment(t), { url: `${N}zib-Medication-PeriodOfUse`, valuePeriod: period }],
  }) as Resource;
const dispense = (id: string, t: string, requested: string): Resource =>
  ({ resourceType: 'MedicationDispense', id, category: category('373784005'), extension: [{ url: `${N}zib-Dispense-RequestDate`, valueDateTime: requested }, treatment(t)] }) as Resource;

const data = [
  agreement('ta-1', 't1', '2024-01-01', { start: '2024-01-01', end: '2024-01-31' }),
  dispense('mve-1', 't1', '2024-01-01'),
  agreement('ta-2', 't2', '2024-03-01', { start: '2024-03-01', end: '2024-03-31' }),
  dispense('mve-2', 't2', '2024-02-20'),
  dispense('mve-lone', 't3', '2024-03-10'),
];

test('requestdate reads the dispense request date and the administration agreement date', async () => {
  expect(await run([['requestdate', 'ge2024-02-15']], data)).toEqual(['ta-2', 'mve-2', 'mve-lone']);
  expect(await run([['requestdate', 'ge2024-01-01'], ['requestdate', 'le2024-02-20']], data)).toEqual(['ta-1', 'mve-1', 'mve-2']);
  expect(await run([['requestdate', 'lt2024-01-01']], data)).toEqual([]);
});

test('periodofuse admits a dispense with the administration agreement of its treatment, and no other', async () => {
  expect(await run([['periodofuse', 'ge2024-02-01']], data)).toEqual(['ta-2', 'mve-2']);
  expect(await run([['periodofuse', 'gt2024-01-15'], ['periodofuse', 'lt2024-03-02']], data)).toEqual(['ta-1', 'mve-1', 'ta-2', 'mve-2']);
  expect(await run([['periodofuse', 'le2023-12-31']], data)).toEqual([]);
  // The other filters still hold for the companion: the category narrows it away.
  expect(await run([['periodofuse', 'ge2024-02-01'], ['category', 'http://snomed.info/sct|422037009']], data)).toEqual(['ta-2']);
});
