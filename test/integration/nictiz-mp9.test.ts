import { haveFixtures, loadNictiz, context, runQuery, loadStandard, sharedRoot, fixturesRoot } from './nictiz-harness.js';
import { linkedPatientIds } from '../../gateway/fhir/search/index.js';
import type { Adapter, Resource } from '../../adapters/types.js';
import { matchParams, type QueryCatalogue } from '../../gateway/fhir/catalogue/index.js';
import { listMp9Patients, MP9_BLOCKS, MP9_CASES, MP9_DONGEN, MP9_MA, MP9_PATIENT_COUNT, NICTIZ_LOAD_DAY } from '../helpers/nictiz-cases.js';

/**
 * MP9 3.0 (R4) searches of QUERIES.md against the Nictiz MP9 fixtures, loaded as if on
 * NICTIZ_LOAD_DATE (T); the expected counts and how they were worked out are in nictiz-cases.ts.
 */
const T = NICTIZ_LOAD_DAY;
const SCT = 'http://snomed.info/sct';
const BLOCKS = MP9_BLOCKS;
const CASES = MP9_CASES;
const DONGEN = MP9_DONGEN;
const MA = MP9_MA;

const d = haveFixtures ? describe : describe.skip;
if (!haveFixtures) console.warn(`nictiz-mp9: skipped, no shared fixtures at ${sharedRoot}`);

d('MP9 3.0 queries on the Nictiz fixtures (catalogue + engine)', () => {
  let adapter: Adapter;
  let catalogue: QueryCatalogue;
  let patients: string[];
  beforeAll(async () => {
    adapter = await loadNictiz('R4', T);
    catalogue = await loadStandard('mp9-3.0');
    patients = listMp9Patients(fixturesRoot);
  });

  const checkOwnership = (patient: string, matches: Resource[], includes: Resource[]) => {
    for (const r of matches) expect(linkedPatientIds('R4', r)).toEqual([patient]);
    for (const r of includes) expect(linkedPatientIds('R4', r).filter((p) => p !== patient)).toEqual([]);
  };

  for (const [query, total] of BLOCKS) {
    test(`all 39 patients: ${query.slice(0, 70)}…`, async () => {
      expect(patients).toHaveLength(MP9_PATIENT_COUNT);
      let sum = 0;
      for (const patient of patients) {
        const out = await runQuery(catalogue, adapter, context('R4', patient), query);
        checkOwnership(patient, out.matches, out.includes);
        sum += out.matches.length;
      }
      expect(sum).toBe(total);
    });
  }

  for (const [patient, query, matches, includes] of CASES) {
    test(`${patient}: ${query}`, async () => {
      const out = await runQuery(catalogue, adapter, context('R4', patient), query);
      expect({ matches: out.matches.length, includes: out.includes.length, total: out.total }).toEqual({ matches, includes, total: matches });
      checkOwnership(patient, out.matches, out.includes);
    });
  }

  test('paging: _count gives a page and the full total', async () => {
    const out = await runQuery(catalogue, adapter, context('R4', DONGEN), `${MA}&_count=10`);
    expect([out.matches.length, out.total]).toEqual([10, 25]);
  });

  test('the catalogue refuses patient=, unknown parameters and unknown includes with a reason', () => {
    expect(matchParams(catalogue, 'MedicationRequest', [{ name: 'patient', value: 'x' }])).toEqual({ ok: false, reason: expect.stringContaining('"patient"') });
    const bad = matchParams(catalogue, 'MedicationRequest', [{ name: 'category', value: `${SCT}|33633005` }, { name: 'status', value: 'active' }]);
    expect(bad).toEqual({ ok: false, reason: expect.stringContaining('"status"') });
    const inc = matchParams(catalogue, 'MedicationRequest', [{ name: 'category', value: `${SCT}|395067002` }, { name: '_include', value: 'MedicationRequest:requester' }]);
    expect(inc).toEqual({ ok: false, reason: expect.stringContaining('_include=MedicationRequest:requester') });
  });
});
