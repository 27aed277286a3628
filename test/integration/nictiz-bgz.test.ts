import { haveFixtures, loadNictiz, context, runQuery, loadStandard, sharedRoot } from './nictiz-harness.js';
import { compartmentPatients } from '../../adapters/index.js';
import type { Adapter } from '../../adapters/types.js';
import type { QueryCatalogue } from '../../gateway/fhir/catalogue/index.js';

const PAT_A = 'medmij-bgz-test-patA';
const PAT_B = 'medmij-bgz-test-patB';

/**
 * Every BgZ 3.x search of the Test set (QUERIES.md) against the Nictiz BgZ fixtures, for both
 * test patients: [query, matches A, includes A, matches B, includes B].
 */
const CASES: ReadonlyArray<readonly [string, number, number, number, number]> = [
  ['Patient?_include=Patient:general-practitioner', 1, 1, 1, 1],
  ['Coverage?_include=Coverage:payor:Patient&_include=Coverage:payor:Organization', 2, 1, 1, 0],
  ['Consent?category=http://snomed.info/sct|11291000146105', 1, 0, 0, 0],
  ['Consent?category=http://snomed.info/sct|11341000146107', 1, 0, 0, 0],
  ['Observation/$lastn?category=http://snomed.info/sct|118228005,http://snomed.info/sct|384821006', 1, 0, 0, 0],
  ['Condition', 5, 0, 0, 0],
  ['Observation?code=http://snomed.info/sct|365508006', 1, 0, 0, 0],
  ['Observation?code=http://snomed.info/sct|228366006', 1, 0, 0, 0],
  ['Observation?code=http://snomed.info/sct|228273003', 1, 0, 0, 0],
  ['Observation?code=http://snomed.info/sct|365980008', 2, 0, 0, 0],
  ['NutritionOrder', 1, 0, 0, 0],
  ['Flag', 1, 0, 0, 0],
  ['AllergyIntolerance', 1, 0, 0, 0],
  ['MedicationRequest?category=http://snomed.info/sct|16076005&_include=MedicationRequest:medication', 2, 2, 0, 0],
  ['MedicationDispense?category=http://snomed.info/sct|422037009&_include=MedicationDispense:medication', 2, 2, 0, 0],
  ['MedicationStatement?category=urn:oid:2.16.840.1.113883.2.4.3.11.60.20.77.5.3|6&_include=MedicationStatement:medication', 2, 2, 0, 0],
  ['DeviceUseStatement?_include=DeviceUseStatement:device', 1, 1, 0, 0],
  ['Immunization?status=completed', 2, 0, 0, 0],
  ['Observation/$lastn?code=http://loinc.org|85354-9', 1, 0, 0, 0],
  ['Observation/$lastn?code=http://loinc.org|8302-2,http://loinc.org|8306-3,http://loinc.org|8308-9', 1, 0, 0, 0],
  ['Observation/$lastn?code=http://loinc.org|29463-7', 1, 0, 0, 0],
  [
    'Observation/$lastn?category=http://snomed.info/sct|275711006&_include=Observation:related-target&_include=Observation:specimen',
    2, 4, 0, 0,
  ],
  ['Procedure?category=http://snomed.info/sct|387713003', 1, 0, 0, 0],
  [
    'Encounter?class=http://hl7.org/fhir/v3/ActCode|IMP,http://hl7.org/fhir/v3/ActCode|ACUTE,http://hl7.org/fhir/v3/ActCode|NONAC',
    3, 0, 0, 0,
  ],
  ['ProcedureRequest?status=active', 1, 0, 0, 0],
  ['Appointment?status=booked,pending,proposed', 1, 0, 0, 0],
];

const d = haveFixtures ? describe : describe.skip;
if (!haveFixtures) console.warn(`nictiz-bgz: skipped, no shared fixtures at ${sharedRoot}`);

d('BgZ 3.x queries on the Nictiz fixtures (catalogue + engine)', () => {
  let adapter: Adapter;
  let catalogue: QueryCatalogue;
  beforeAll(async () => {
    adapter = await loadNictiz('STU3', new Date('2026-06-15T00:00:00Z'));
    catalogue = await loadStandard('bgz-3');
  });

  for (const [query, matchA, incA, matchB, incB] of CASES) {
    test(query, async () => {
      for (const [patient, m, i] of [[PAT_A, matchA, incA], [PAT_B, matchB, incB]] as const) {
        const out = await runQuery(catalogue, adapter, context('STU3', patient), query);
        expect({ patient, matches: out.matches.length, includes: out.includes.length, total: out.total }).toEqual({
          patient, matches: m, includes: i, total: m,
        });
        // Never another patient's resource, neither as a match nor as an include.
        for (const r of [...out.matches, ...out.includes]) {
          expect(compartmentPatients(r).filter((o) => o !== patient)).toEqual([]);
        }
        for (const r of out.matches) expect(compartmentPatients(r)).toEqual([patient]);
      }
    });
  }
});
