import { readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The expected answers to the qualification searches of shared/medmij/QUERIES.md on the Nictiz
 * Test fixtures (shared/fixtures/nictiz), worked out from the fixture XML independently of the
 * gateway (category code and subject per file; TimeInterval periods with T resolved). One table
 * for every layer that runs them: the search engine (nictiz-*.test.ts) and the composed gateway
 * over HTTP (qualification-http.test.ts).
 */

/** T: the day the fixtures count as loaded, so that `${DATE, T, …}` windows give fixed counts. */
export const NICTIZ_LOAD_DATE = '2026-06-15';
export const NICTIZ_LOAD_DAY = new Date(`${NICTIZ_LOAD_DATE}T00:00:00Z`);

/** T plus n days, as `YYYY-MM-DD` (the `${DATE, T, D, n}` placeholder). */
export const dayFromLoad = (n: number): string => new Date(NICTIZ_LOAD_DAY.getTime() + n * 86_400_000).toISOString().slice(0, 10);

export const BGZ_PAT_A = 'medmij-bgz-test-patA';
export const BGZ_PAT_B = 'medmij-bgz-test-patB';

/**
 * Every BgZ 3.x search of the Test set (QUERIES.md) against the Nictiz BgZ fixtures, for both
 * test patients: [query, matches A, includes A, matches B, includes B].
 */
export const BGZ_CASES: ReadonlyArray<readonly [string, number, number, number, number]> = [
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

const SCT = 'http://snomed.info/sct';
const ITER = '&_include:iterate=PractitionerRole:organization&_include:iterate=PractitionerRole:practitioner&_include:iterate=PractitionerRole:location';

/** The number of MP9 Test patients (fixture README); `listMp9Patients` must find exactly these. */
export const MP9_PATIENT_COUNT = 39;

/** [MP9 3.0 building block query, total matches over all 39 patients] */
export const MP9_BLOCKS: ReadonlyArray<readonly [string, number]> = [
  [`MedicationRequest?category=${SCT}|33633005&_include=MedicationRequest:medication&_include=MedicationRequest:subject&_include=MedicationRequest:reason&_include=MedicationRequest:next-practitioner&_include=MedicationRequest:requester${ITER}`, 138],
  [`MedicationRequest?category=${SCT}|52711000146108&_include=MedicationRequest:medication&_include=MedicationRequest:requester&_include=MedicationRequest:dispense-location${ITER}`, 27],
  [`MedicationRequest?category=${SCT}|395067002&_include=MedicationRequest:medication`, 41],
  [`MedicationDispense?category=${SCT}|422037009&_include=MedicationDispense:medication&_include=MedicationDispense:performer${ITER}`, 133],
  [`MedicationDispense?category=${SCT}|373784005&_include=MedicationDispense:medication&_include=MedicationDispense:performer&_include=MedicationDispense:destination${ITER}`, 27],
  [`MedicationStatement?category=${SCT}|422979000&_include=MedicationStatement:medication&_include=MedicationStatement:author&_include=MedicationStatement:prescriber&_include=MedicationStatement:source${ITER}`, 65],
  [`MedicationAdministration?category=${SCT}|18629005&_include=MedicationAdministration:medication&_include=MedicationAdministration:performer${ITER}`, 39],
];

export const MP9_DONGEN = 'nl-core-Patient-mp9-C-XXX-Dongen';
export const MP9_BREE = 'nl-core-Patient-mp9-J-XXX-Bree';
/** The medication agreement (MA) search without filters. */
export const MP9_MA = `MedicationRequest?category=${SCT}|33633005`;

/** [patient, query, matches, includes] */
export const MP9_CASES: ReadonlyArray<readonly [string, string, number, number]> = [
  [MP9_DONGEN, MP9_BLOCKS[0]![0], 25, 22],
  [MP9_BREE, MP9_BLOCKS[1]![0].replace('&_include=MedicationRequest:requester', '&_include=MedicationRequest:subject&_include=MedicationRequest:requester'), 2, 6],
  [MP9_DONGEN, `${MP9_MA}&identifier=urn:oid:2.16.840.1.113883.2.4.3.11.999.77.16076005.1|MBH_300_stoppen_MA_start-tmg`, 1, 0],
  [MP9_DONGEN, `${MP9_MA}&pharmaceutical-treatment-identifier=urn:oid:2.16.840.1.113883.2.4.3.11.999.77.1.1|MBH_300_VolgendeBehandelaar-tmg`, 3, 0],
  [MP9_DONGEN, `${MP9_MA}&medication.code=urn:oid:2.16.840.1.113883.2.4.4.10|105678&_include=MedicationRequest:medication`, 3, 1],
  // 24, not 25: MBH300TAwijzigenMA has start T-60 and a 28-day Duration, no end, so it ends at
  // T-33 (Nictiz SearchParameter period-of-use: start + Duration is the end), before T-21.
  [MP9_DONGEN, `${MP9_MA}&period-of-use=ge${dayFromLoad(-21)}`, 24, 0],
  [MP9_DONGEN, `${MP9_MA}&period-of-use=le${dayFromLoad(-21)}`, 7, 0],
  [MP9_DONGEN, `${MP9_MA}&period-of-use=lt${dayFromLoad(0)}`, 22, 0],
  [MP9_DONGEN, `${MP9_MA}&period-of-use=ge${dayFromLoad(-21)}&period-of-use=le${dayFromLoad(30)}`, 24, 0],
  [MP9_DONGEN, `${MP9_MA}&identifier=urn:oid:2.16.840.1.113883.2.4.3.11.999.77.16076005.1|no-such-id`, 0, 0],
];

/** The ids of the MP9 Test patients: one `nl-core-Patient-*.xml` file each in the fixture folder. */
export function listMp9Patients(nictizFixturesRoot: string): string[] {
  return readdirSync(path.join(nictizFixturesRoot, 'r4-medication-test'))
    .filter((f) => f.startsWith('nl-core-Patient-'))
    .map((f) => f.replace(/\.xml$/, ''))
    .sort();
}
