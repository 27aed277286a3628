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

export const VITALS_SMORENBURG = 'selfmeasurements-Patient-XXX-Smorenburg';
/** The second vital-signs test patient: Nictiz's Send/Receive patient, with no measurements served. */
export const VITALS_HERDER = 'selfmeasurements-Patient-XXX-Herder';

const VITAL_CODES: ReadonlyArray<readonly [string, string]> = [
  ['respiration', 'http://snomed.info/sct|422834003'],
  ['body height', 'http://loinc.org|8302-2'],
  ['body temperature', 'http://loinc.org|8310-5'],
  ['oxygen saturation', 'http://loinc.org|59408-5'],
  ['pulse rate', 'http://loinc.org|8893-0'],
  ['blood pressure', 'http://loinc.org|85354-9'],
  ['body weight', 'http://loinc.org|29463-7'],
  ['blood glucose', 'http://loinc.org|14760-3,http://loinc.org|14743-9,http://loinc.org|14770-2'],
  ['heart rate', 'http://loinc.org|8867-4'],
];
const window = (from: number, to: number): string => `&date=ge${dayFromLoad(from)}&date=le${dayFromLoad(to)}`;

/**
 * Vital signs 2.x (service 52): every search of the Nictiz Serving-XIS Test scripts
 * (SelfMeasurements-2-0, scenarios 1–10) with the Observation count each script asserts for
 * XXX_Smorenburg, checked against the fixture dates (`${DATE, T, D, n}` per file). [query, matches]
 */
export const VITALS_CASES: ReadonlyArray<readonly [string, number]> = [
  // [all, $lastn, window with data, window without] per measurement, windows as the scripts send them.
  ...([
    [5, 1, [-14, -5, 2], [-12, -6, 0]],
    [7, 1, [-1200, -250, 3], [-50, -21, 0]],
    [4, 1, [-30, -20, 2], [-45, -30, 0]],
    [4, 1, [-800, -300, 2], [-63, -17, 0]],
    [5, 1, [-800, -10, 3], [-72, -16, 0]],
    [5, 1, [-55, -20, 4], [-10, -1, 0]],
    [4, 1, [-250, -75, 2], [-50, -25, 0]],
    [6, 2, [-13, -13, 3], [-21, -14, 0]],
    [5, 1, [-120, -100, 2], [-80, -40, 0]],
  ] as const).flatMap(([all, last, hit, miss], i): Array<readonly [string, number]> => {
    const code = VITAL_CODES[i]![1];
    // $lastn on blood glucose: the scripts ask for the two codes the fixtures use.
    const lastCode = i === 7 ? 'http://loinc.org|14760-3,http://loinc.org|14770-2' : code;
    return [
      [`Observation?code=${code}`, all],
      [`Observation/$lastn?code=${lastCode}`, last],
      [`Observation?code=${code}${window(hit[0], hit[1])}`, hit[2]],
      [`Observation?code=${code}${window(miss[0], miss[1])}`, miss[2]],
    ];
  }),
  [`Observation?code=${VITAL_CODES.map(([, c]) => c).join(',')}${window(-31, 0)}`, 20],
  [`Observation?code=${VITAL_CODES.map(([, c]) => c).join(',')}${window(-2, -1)}`, 0],
  ['Observation?category=http://hl7.org/fhir/observation-category|vital-signs', 39],
];

export const IMM_BIEZEN = 'nl-core-Patient--XXX-Biezen';
export const IMM_BEVERS = 'nl-core-Patient--AnnemarieA-AnnavandeXXX-BeversdeBoomMSc-';
/** The one search of the Nictiz Immunization 2.0 XIS-Server scripts (imm-serve-test-1-1, 1-2). */
export const IMM_QUERY = 'Immunization?_include=Immunization:patient&_include=Immunization:performer&_include=Immunization:location';
/**
 * Entries per resource type each script asserts (Bundle.entry.where(resource.is(X)).count()),
 * checked against the fixtures: Biezen's four vaccinations name four organizations as performer
 * and only a contained location; Bevers's two name a PractitionerRole, an Organization and one
 * Location resource.
 */
/** The government PGO's configuration asks for `/Immunization` alone (no includes). */
export const IMM_BARE_QUERY = 'Immunization';
export const IMM_CASES: ReadonlyArray<readonly [string, Readonly<Record<string, number>>]> = [
  [IMM_BIEZEN, { Immunization: 4, Patient: 1, Organization: 4 }],
  [IMM_BEVERS, { Immunization: 2, Patient: 1, Organization: 1, PractitionerRole: 1, Location: 1 }],
];

const MA = `MedicationRequest?category=${SCT}|16076005`;
const VV = `MedicationRequest?category=${SCT}|52711000146108`;
const MED = '&_include=MedicationRequest:medication';
const TREATMENT_JNK = 'urn:oid:2.16.840.1.113883.2.4.3.11.999.77.1.1|MBH_907_QA1-JNK';
/** The MP 9.0.7 dispense search: dispenses and administration agreements with medication, patient and pharmacy. */
export const MP907_DISPENSE = `MedicationDispense?category=${SCT}|373784005,${SCT}|422037009&_include=MedicationDispense:medication&_include=MedicationDispense:patient&_include=MedicationDispense:performer`;

/**
 * Medicatieproces 9.0.7 (service 31, STU3): searches of the Nictiz XIS-Server Test scripts
 * (Agreement mp9-ma-xis-00-0x and 10-02, DispenseRequest mp9-vv-xis-00-0x,
 * Dispense612Conversion xis-1-1 and 2-1) with what each script asserts: [patient, query,
 * entries per resource type asserted, Bundle.entry.count() where the script asserts it].
 */
export const MP907_CASES: ReadonlyArray<readonly [string, string, Readonly<Record<string, number>>, number | undefined]> = [
  ['XXX-JANKIE', `${MA}${MED}`, { MedicationRequest: 6 }, undefined],
  ['XXX-JANKIE', `${MA}&identifier=urn:oid:2.16.840.1.113883.2.4.3.11.999.77.16076005.1|MBH_907_QA1_MA-JNK${MED}`, { MedicationRequest: 1 }, undefined],
  ['XXX-JANKIE', `${MA}&medication.code=urn:oid:2.16.840.1.113883.2.4.4.10|3956${MED}`, { MedicationRequest: 1 }, undefined],
  ['XXX-JANKIE', `${MA}&periodofuse=ge${dayFromLoad(-21)}${MED}`, { MedicationRequest: 4 }, undefined],
  ['XXX-JANKIE', `${MA}&periodofuse=le${dayFromLoad(-22)}${MED}`, { MedicationRequest: 3 }, undefined],
  ['XXX-JANKIE', `${MA}&periodofuse=ge${dayFromLoad(-21)}&periodofuse=le${dayFromLoad(-7)}${MED}`, { MedicationRequest: 3 }, undefined],
  ['XXX-JANKIE', `${MA}&medicationtreatment=${TREATMENT_JNK}${MED}`, { MedicationRequest: 1 }, undefined],
  ['XXX-JANKIE', `${MA}&periodofuse=le${dayFromLoad(-110)}${MED}`, { MedicationRequest: 0 }, 0],
  ['XXX-JANKIE', `${VV}${MED}`, { MedicationRequest: 6 }, undefined],
  ['XXX-JANKIE', `${VV}&identifier=urn:oid:2.16.840.1.113883.2.4.3.11.999.77.52711000146108.1|MBH_907_QA1_VV-JNK${MED}`, { MedicationRequest: 1 }, undefined],
  ['XXX-JANKIE', `${VV}&medication.code=urn:oid:2.16.840.1.113883.2.4.4.10|3956${MED}`, { MedicationRequest: 1 }, undefined],
  ['XXX-JANKIE', `${VV}&medicationtreatment=${TREATMENT_JNK}${MED}`, { MedicationRequest: 1 }, undefined],
  ['XXX-JANKIE', `${VV}&identifier=urn:oid:2.16.840.1.113883.2.4.3.11.999.77.52711000146108.1|MBH_907_QAnietaanwezig-JNK${MED}`, { MedicationRequest: 0 }, 0],
  ['XXX-Kester', `${MA}&medication.code=urn:oid:2.16.840.1.113883.2.4.4.8|14896087${MED}`, { MedicationRequest: 1 }, undefined],
  ['HENEGOUWEN', MP907_DISPENSE, { MedicationDispense: 2 }, 5],
  ['CREIENS', MP907_DISPENSE, { MedicationDispense: 22 }, 35],
];
