import { dayFromLoad, MP907_CASES, MP907_DISPENSE } from '../helpers/nictiz-cases.js';
import { startQualificationGateway, type QualificationGateway } from '../helpers/qualification-gateway.js';
import { fixturesRoot, haveFixtures } from './nictiz-harness.js';

/**
 * Medicatieproces 9.0.7 (MedMij data service 31, STU3): searches of the Nictiz XIS-Server Test
 * scripts through the composed gateway in qualification mode, over mTLS with Nictiz's static
 * token per test patient, in JSON and XML, with the counts each script asserts
 * (nictiz-cases.ts): identifier, pharmaceutical treatment, chained medication.code and
 * period-of-use windows on agreements and dispense requests; dispenses with their includes.
 * The second table holds the rest of the scripts (Agreement 01..10, DispenseRequest 01..10,
 * Dispense612Conversion 2-2..3-1g with the `requestdate` and `periodofuse` windows) and one
 * search per building block for every patient of the set.
 */
if (!haveFixtures) console.warn(`qualification-mp907: skipped, no Nictiz fixtures at ${fixturesRoot}`);
const d = haveFixtures ? describe : describe.skip;
const SERVICE = '31';
const SCT = 'http://snomed.info/sct';
const MA = `MedicationRequest?category=${SCT}|16076005&_include=MedicationRequest:medication`;
const VV = `MedicationRequest?category=${SCT}|52711000146108&_include=MedicationRequest:medication`;
const MVE = `MedicationDispense|373784005`;
const TA = `MedicationDispense|422037009`;

interface Expect {
  /** Entries per resource type, exactly. */
  readonly types?: Readonly<Record<string, number>>;
  /** Entries per `type|category code` (dispenses and administration agreements), exactly. */
  readonly categories?: Readonly<Record<string, number>>;
  /** Bundle.entry.count() as the script asserts it (`>=` for most Dispense612Conversion scripts). */
  readonly entries?: number;
  readonly entriesAtLeast?: number;
}

/**
 * [script or purpose, patient, query, expectation]. Where a script asserts only `>= 1`
 * agreements or requests, the exact count is the one an independent reading of the fixture XML
 * gives (resources with that category and that patient as subject).
 */
const MORE_CASES: ReadonlyArray<readonly [string, string, string, Expect]> = [
  ['ma-xis-01-0x (>= 1)', 'XXX-BOSCHMAN', MA, { types: { MedicationRequest: 5 } }],
  ['ma-xis-02/03-0x (>= 1)', 'XXX-VONKER', MA, { types: { MedicationRequest: 11 } }],
  ['ma-xis-04-01 (>= 1)', 'XXX-MOLENAARS', MA, { types: { MedicationRequest: 1 } }],
  ['ma-xis-06-xx (>= 1)', 'XXX-MAASZ', MA, { types: { MedicationRequest: 15 } }],
  ['ma-xis-07-0x (>= 1)', 'XXX-TEST-E', MA, { types: { MedicationRequest: 3 } }],
  ['ma-xis-08-01', 'XXX-ZUTPHEN', MA, { types: { MedicationRequest: 0 }, entries: 0 }],
  ['ma-xis-10-01 (>= 1)', 'XXX-Kester', MA, { types: { MedicationRequest: 2 } }],
  ['vv-xis-01-01', 'XXX-BOSCHMAN', VV, { types: { MedicationRequest: 2 } }],
  ['vv-xis-02-0x (>= 1)', 'XXX-VONKER', VV, { types: { MedicationRequest: 2 } }],
  ['vv-xis-07-0x (>= 1)', 'XXX-TEST-E', VV, { types: { MedicationRequest: 3 } }],
  ['vv-xis-08-01', 'XXX-ZUTPHEN', VV, { types: { MedicationRequest: 1 } }],
  ['vv-xis-09-01x, 09-03 (>= 1)', 'XXX-INCIDENT-A', VV, { types: { MedicationRequest: 5 } }],
  ['vv-xis-09-02', 'XXX-INCIDENT-A', VV.replace('&_include', `&medication.code=urn:oid:2.16.840.1.113883.2.4.4.10|5967&_include`), { types: { MedicationRequest: 1 } }],
  ['vv-xis-10-0x (>= 1)', 'XXX-Kester', VV, { types: { MedicationRequest: 2 } }],
  ['dispense612-1-1', 'HENEGOUWEN', MP907_DISPENSE, { categories: { [MVE]: 1, [TA]: 1 }, entries: 5 }],
  ['dispense612-2-1', 'CREIENS', MP907_DISPENSE, { categories: { [MVE]: 11, [TA]: 11 }, entries: 35 }],
  ['dispense612-2-2', 'DIREN', MP907_DISPENSE, { categories: { [MVE]: 11, [TA]: 11 }, entries: 35 }],
  ['dispense612-2-3', 'XXX-BEKKER', MP907_DISPENSE, { types: { MedicationDispense: 6 }, categories: { [MVE]: 3, [TA]: 3 }, entries: 10 }],
  ['dispense612-3-1a', 'VEENOORD', MP907_DISPENSE, { categories: { [MVE]: 6, [TA]: 6 }, entriesAtLeast: 20 }],
  ['dispense612-3-1b', 'VEENOORD', `${MP907_DISPENSE}&requestdate=ge${dayFromLoad(-90)}`, { categories: { [MVE]: 5, [TA]: 5 }, entriesAtLeast: 14 }],
  ['dispense612-3-1c', 'VEENOORD', `${MP907_DISPENSE}&requestdate=lt${dayFromLoad(-90)}`, { categories: { [MVE]: 1, [TA]: 1 }, entriesAtLeast: 5 }],
  ['dispense612-3-1d', 'VEENOORD', `${MP907_DISPENSE}&requestdate=ge${dayFromLoad(-90)}&requestdate=le${dayFromLoad(-30)}`, { categories: { [MVE]: 2, [TA]: 2 }, entriesAtLeast: 8 }],
  ['dispense612-3-1e', 'VEENOORD', `${MP907_DISPENSE}&periodofuse=ge${dayFromLoad(-21)}`, { categories: { [MVE]: 4, [TA]: 4 }, entriesAtLeast: 14 }],
  ['dispense612-3-1f', 'VEENOORD', `${MP907_DISPENSE}&periodofuse=lt${dayFromLoad(-21)}`, { categories: { [MVE]: 3, [TA]: 3 }, entriesAtLeast: 11 }],
  // The script asserts 2 agreements and 2 dispenses; the fixture XML gives 3 of each. VEENOORD's
  // administration agreements run T-10..T+19, T-20..T+9 and T-50..T-11 (fc93abe0…), and all three
  // overlap the window after T-22 and before T-8 (FHIR §3.1.1.5.2: gt/lt on a Period compare its
  // end and start); the other three (T-50..T-44, T-5..T+1, T-100..T-72) do not. Each brings the
  // dispense of its treatment. We assert the reading of the data: 3 and 3.
  ['dispense612-3-1g', 'VEENOORD', `${MP907_DISPENSE}&periodofuse=gt${dayFromLoad(-22)}&periodofuse=lt${dayFromLoad(-8)}`, { categories: { [MVE]: 3, [TA]: 3 }, entriesAtLeast: 11 }],
];

/**
 * Every patient of the set (its 22 Patient files) with each building block's unfiltered search:
 * [patient, agreements, dispense requests, dispenses, administration agreements], read from the
 * fixture XML (resources of that category with that patient as subject). Eight patients no
 * script asks for (AMAYA, BOURGONJE, CNOSSEN, DIRKSZ, GOBEE, KILKENNY, RUYS, STRENGERSZ) are here
 * too; RUYS has no medication data at all and gets empty Bundles.
 */
const EVERY_PATIENT: ReadonlyArray<readonly [string, number, number, number, number]> = [
  ['CREIENS', 0, 0, 11, 11],
  ['DIREN', 0, 0, 11, 11],
  ['HENEGOUWEN', 0, 0, 1, 1],
  ['VEENOORD', 0, 0, 6, 6],
  ['XXX-AMAYA', 5, 2, 2, 3],
  ['XXX-BEKKER', 0, 0, 3, 3],
  ['XXX-BOSCHMAN', 5, 2, 0, 0],
  ['XXX-BOURGONJE', 1, 1, 1, 1],
  ['XXX-CNOSSEN', 8, 0, 0, 8],
  ['XXX-DIRKSZ', 3, 3, 3, 3],
  ['XXX-GOBEE', 5, 3, 3, 5],
  ['XXX-INCIDENT-A', 0, 5, 0, 0],
  ['XXX-JANKIE', 6, 6, 0, 0],
  ['XXX-KILKENNY', 1, 0, 0, 0],
  ['XXX-Kester', 2, 2, 0, 0],
  ['XXX-MAASZ', 15, 0, 0, 0],
  ['XXX-MOLENAARS', 1, 0, 0, 0],
  ['XXX-RUYS', 0, 0, 0, 0],
  ['XXX-STRENGERSZ', 16, 1, 2, 16],
  ['XXX-TEST-E', 3, 3, 0, 0],
  ['XXX-VONKER', 11, 2, 0, 0],
  ['XXX-ZUTPHEN', 0, 1, 0, 0],
];

d('Medicatieproces 9.0.7 (service 31, STU3) through the gateway in qualification mode', () => {
  let gateway: QualificationGateway;
  beforeAll(async () => {
    const patients = [...new Set([...MP907_CASES.map(([p]) => p), ...MORE_CASES.map(([, p]) => p), ...EVERY_PATIENT.map(([p]) => p)])];
    gateway = await startQualificationGateway(patients.map((patientRef) => ({ patientRef, services: [SERVICE] })));
  });
  afterAll(async () => gateway?.close());

  for (const [patientRef, query, asserted, entries] of MP907_CASES) {
    it(`${patientRef}: ${query}`, async () => {
      const got = await gateway.ask(SERVICE, 'STU3', patientRef, query);
      for (const [type, n] of Object.entries(asserted)) expect({ type, n: got.byType[type] ?? 0 }).toEqual({ type, n });
      expect(got.total).toBe(got.matches);
      if (entries !== undefined) expect(got.matches + got.includes).toBe(entries);
      // Every agreement or request arrives with its medication (the scripts read it from the includes).
      if (got.matches > 0) expect(got.byType['Medication'] ?? 0).toBeGreaterThan(0);
    });
  }

  for (const [script, patientRef, query, want] of MORE_CASES) {
    it(`${script} ${patientRef}: ${query}`, async () => {
      const got = await gateway.ask(SERVICE, 'STU3', patientRef, query);
      for (const [type, n] of Object.entries(want.types ?? {})) expect({ type, n: got.byType[type] ?? 0 }).toEqual({ type, n });
      for (const [category, n] of Object.entries(want.categories ?? {})) expect({ category, n: got.byCategory?.[category] ?? 0 }).toEqual({ category, n });
      expect(got.total).toBe(got.matches);
      if (want.entries !== undefined) expect(got.matches + got.includes).toBe(want.entries);
      if (want.entriesAtLeast !== undefined) expect(got.matches + got.includes).toBeGreaterThanOrEqual(want.entriesAtLeast);
      if (got.matches > 0) expect(got.byType['Medication'] ?? 0).toBeGreaterThan(0);
    });
  }

  for (const [patientRef, agreements, requests, dispenses, administration] of EVERY_PATIENT) {
    it(`every patient: ${patientRef}, each building block`, async () => {
      const ma = await gateway.ask(SERVICE, 'STU3', patientRef, MA);
      expect(ma.byType['MedicationRequest'] ?? 0).toBe(agreements);
      const vv = await gateway.ask(SERVICE, 'STU3', patientRef, VV);
      expect(vv.byType['MedicationRequest'] ?? 0).toBe(requests);
      const md = await gateway.ask(SERVICE, 'STU3', patientRef, MP907_DISPENSE);
      expect({ dispenses: md.byCategory?.[MVE] ?? 0, administration: md.byCategory?.[TA] ?? 0 }).toEqual({ dispenses, administration });
      // The dispense search includes the patient whenever anything matched.
      expect(md.byType['Patient'] ?? 0).toBe(dispenses + administration > 0 ? 1 : 0);
      for (const got of [ma, vv, md]) {
        expect(got.total).toBe(got.matches);
        if (got.matches > 0) expect(got.byType['Medication'] ?? 0).toBeGreaterThan(0);
      }
    });
  }
});
