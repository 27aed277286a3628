import { readdirSync } from 'node:fs';
import path from 'node:path';
import { haveFixtures, loadNictiz, context, runQuery, loadStandard, sharedRoot } from './nictiz-harness.js';
import { compartmentPatients } from '../../adapters/index.js';
import type { Adapter, Resource } from '../../adapters/types.js';
import { matchQuery, type QueryCatalogue } from '../../gateway/fhir/catalogue/index.js';

/**
 * MP9 3.0 (R4) searches of QUERIES.md against the Nictiz MP9 fixtures, loaded as if on
 * 2026-06-15 (T). Expected counts were worked out from the fixture XML independently of the
 * engine (category code and subject per file; TimeInterval periods with T resolved).
 */
const T = new Date('2026-06-15T00:00:00Z');
const day = (n: number) => new Date(T.getTime() + n * 86_400_000).toISOString().slice(0, 10);
const SCT = 'http://snomed.info/sct';
const ITER = '&_include:iterate=PractitionerRole:organization&_include:iterate=PractitionerRole:practitioner&_include:iterate=PractitionerRole:location';

/** [building block query, total matches over all 39 patients] */
const BLOCKS: ReadonlyArray<readonly [string, number]> = [
  [`MedicationRequest?category=${SCT}|33633005&_include=MedicationRequest:medication&_include=MedicationRequest:subject&_include=MedicationRequest:reason&_include=MedicationRequest:next-practitioner&_include=MedicationRequest:requester${ITER}`, 138],
  [`MedicationRequest?category=${SCT}|52711000146108&_include=MedicationRequest:medication&_include=MedicationRequest:requester&_include=MedicationRequest:dispense-location${ITER}`, 27],
  [`MedicationRequest?category=${SCT}|395067002&_include=MedicationRequest:medication`, 41],
  [`MedicationDispense?category=${SCT}|422037009&_include=MedicationDispense:medication&_include=MedicationDispense:performer${ITER}`, 133],
  [`MedicationDispense?category=${SCT}|373784005&_include=MedicationDispense:medication&_include=MedicationDispense:performer&_include=MedicationDispense:destination${ITER}`, 27],
  [`MedicationStatement?category=${SCT}|422979000&_include=MedicationStatement:medication&_include=MedicationStatement:author&_include=MedicationStatement:prescriber&_include=MedicationStatement:source${ITER}`, 65],
  [`MedicationAdministration?category=${SCT}|18629005&_include=MedicationAdministration:medication&_include=MedicationAdministration:performer${ITER}`, 39],
];

const DONGEN = 'nl-core-Patient-mp9-C-XXX-Dongen';
const BREE = 'nl-core-Patient-mp9-J-XXX-Bree';
const MA = `MedicationRequest?category=${SCT}|33633005`;

/** [patient, query, matches, includes] */
const CASES: ReadonlyArray<readonly [string, string, number, number]> = [
  [DONGEN, BLOCKS[0]![0], 25, 22],
  [BREE, BLOCKS[1]![0].replace('&_include=MedicationRequest:requester', '&_include=MedicationRequest:subject&_include=MedicationRequest:requester'), 2, 6],
  [DONGEN, `${MA}&identifier=urn:oid:2.16.840.1.113883.2.4.3.11.999.77.16076005.1|MBH_300_stoppen_MA_start-tmg`, 1, 0],
  [DONGEN, `${MA}&pharmaceutical-treatment-identifier=urn:oid:2.16.840.1.113883.2.4.3.11.999.77.1.1|MBH_300_VolgendeBehandelaar-tmg`, 3, 0],
  [DONGEN, `${MA}&medication.code=urn:oid:2.16.840.1.113883.2.4.4.10|105678&_include=MedicationRequest:medication`, 3, 1],
  [DONGEN, `${MA}&period-of-use=ge${day(-21)}`, 25, 0],
  [DONGEN, `${MA}&period-of-use=le${day(-21)}`, 7, 0],
  [DONGEN, `${MA}&period-of-use=lt${day(0)}`, 22, 0],
  [DONGEN, `${MA}&period-of-use=ge${day(-21)}&period-of-use=le${day(30)}`, 25, 0],
  [DONGEN, `${MA}&identifier=urn:oid:2.16.840.1.113883.2.4.3.11.999.77.16076005.1|no-such-id`, 0, 0],
];

const d = haveFixtures ? describe : describe.skip;
if (!haveFixtures) console.warn(`nictiz-mp9: skipped, no shared fixtures at ${sharedRoot}`);

d('MP9 3.0 queries on the Nictiz fixtures (catalogue + engine)', () => {
  let adapter: Adapter;
  let catalogue: QueryCatalogue;
  let patients: string[];
  beforeAll(async () => {
    adapter = await loadNictiz('R4', T);
    catalogue = await loadStandard('mp9-3.0');
    patients = readdirSync(path.join(sharedRoot, 'fixtures/nictiz/r4-medication-test'))
      .filter((f) => f.startsWith('nl-core-Patient-'))
      .map((f) => f.replace(/\.xml$/, ''));
  });

  const checkOwnership = (patient: string, matches: Resource[], includes: Resource[]) => {
    for (const r of matches) expect(compartmentPatients(r)).toEqual([patient]);
    for (const r of includes) expect(compartmentPatients(r).filter((p) => p !== patient)).toEqual([]);
  };

  for (const [query, total] of BLOCKS) {
    test(`all 39 patients: ${query.slice(0, 70)}…`, async () => {
      expect(patients).toHaveLength(39);
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
    expect(matchQuery(catalogue, 'MedicationRequest', [{ name: 'patient', value: 'x' }])).toEqual({ ok: false, reason: expect.stringContaining('"patient"') });
    const bad = matchQuery(catalogue, 'MedicationRequest', [{ name: 'category', value: `${SCT}|33633005` }, { name: 'status', value: 'active' }]);
    expect(bad).toEqual({ ok: false, reason: expect.stringContaining('"status"') });
    const inc = matchQuery(catalogue, 'MedicationRequest', [{ name: 'category', value: `${SCT}|395067002` }, { name: '_include', value: 'MedicationRequest:requester' }]);
    expect(inc).toEqual({ ok: false, reason: expect.stringContaining('_include=MedicationRequest:requester') });
  });
});
