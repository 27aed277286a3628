import { DEMO_PATIENTS } from '../../adapters/demo/built-in-data.js';
import { startQualificationGateway, type Counted, type QualificationGateway } from '../helpers/qualification-gateway.js';

/**
 * Overgevoeligheden (54), Basisgegevens GGZ (50) and Basisgegevens Langdurige Zorg (61), all FHIR
 * STU3: every search their implementation guides have a PGO send (the MedMij AllergyIntolerance
 * 3.0, GGZ 2.0 and BgLZ 3.0 guides; the government PGO's data-service configuration for 50 and
 * 61), through the composed gateway over two-sided TLS with a static test token per patient, in
 * JSON and XML. No Nictiz test set of these services is shared, so they run on the synthetic demo
 * patients; the expected counts below are worked out from adapters/demo/data/stu3 by hand.
 */
const [DE_GRAAF, VAN_LEEUWEN] = DEMO_PATIENTS.map((p) => p.id) as [string, string];
const SERVICES = [
  { id: '54', standard: 'allergy-3', fhirVersion: 'STU3' as const },
  { id: '50', standard: 'ggz-2', fhirVersion: 'STU3' as const },
  { id: '61', standard: 'bglz-3', fhirVersion: 'STU3' as const },
];

/** Expected answer: matches, and the included resources by type. */
type Want = readonly [matches: number, includes?: Readonly<Record<string, number>>];
type Case = readonly [query: string, deGraaf: Want, vanLeeuwen: Want];

const PATIENT_GP: Case = ['Patient?_include=Patient:general-practitioner', [1, { Practitioner: 1 }], [1, { Practitioner: 1 }]];
const TREATMENT_DIRECTIVE: Case = ['Consent?category=http://snomed.info/sct|11291000146105', [0], [0]];
const ADVANCE_DIRECTIVE: Case = ['Consent?category=http://snomed.info/sct|11341000146107', [0], [0]];
const PROBLEM: Case = ['Condition', [2], [1]];
const LAB: Case = ['Observation/$lastn?category=http://snomed.info/sct|275711006&_include=Observation:related-target&_include=Observation:specimen', [0], [0]];
const PROCEDURE: Case = ['Procedure', [1], [1]];
const CARE_TEAM: Case = ['CareTeam?_include=CareTeam:participant', [1, { Practitioner: 1 }], [1, { Practitioner: 1 }]];
const ALLERGY: Case = ['AllergyIntolerance', [2], [1]];

const CASES: Readonly<Record<string, readonly Case[]>> = {
  '54': [ALLERGY],
  '50': [
    PATIENT_GP,
    ['Coverage?_include=Coverage:payor:Patient&_include=Coverage:payor:Organization', [1, { Organization: 1 }], [1, { Organization: 1 }]],
    TREATMENT_DIRECTIVE,
    ADVANCE_DIRECTIVE,
    ['Observation?category=http://snomed.info/sct|118228005,http://snomed.info/sct|384821006', [0], [0]],
    PROBLEM,
    ['Observation?code=http://snomed.info/sct|228366006', [0], [0]],
    ['Observation?code=http://snomed.info/sct|228273003', [0], [0]],
    ['Observation?code=http://snomed.info/sct|365980008', [0], [0]],
    ['Observation/$lastn?code=http://snomed.info/sct|365508006', [0], [0]],
    ['Observation?code=http://snomed.info/sct|365470003', [1], [0]],
    ['Observation?code=http://snomed.info/sct|314845004', [0], [1]],
    ['CarePlan?category=http://snomed.info/sct|243114000', [1], [0]],
    LAB,
    ['Observation?category=http://hl7.org/fhir/observation-category|survey', [1], [0]],
    PROCEDURE,
    ['DiagnosticReport', [1], [0]],
    CARE_TEAM,
  ],
  '61': [
    PATIENT_GP,
    TREATMENT_DIRECTIVE,
    ADVANCE_DIRECTIVE,
    PROBLEM,
    ALLERGY,
    LAB,
    PROCEDURE,
    [
      'CarePlan?_include=CarePlan:activity-goal:Goal&_include=CarePlan:activity-outcomereference:Observation&_include=CarePlan:activity-medicaldevice:DeviceUseStatement&_include:recurse=DeviceUseStatement:device:Device',
      // De Graaf's only care plan is help from others (no activities); Van Leeuwen's care plan has
      // a goal, a body weight as an activity's outcome and a wheelchair (DeviceUseStatement → Device).
      [1],
      [1, { Goal: 1, Observation: 1, DeviceUseStatement: 1, Device: 1 }],
    ],
    CARE_TEAM,
  ],
};

function expected([matches, includes = {}]: Want, matchType: string): Counted {
  const count = Object.values(includes).reduce((a, b) => a + b, 0);
  const byType: Record<string, number> = { ...includes };
  if (matches > 0) byType[matchType] = (byType[matchType] ?? 0) + matches;
  return { matches, includes: count, total: matches, byType };
}

describe('allergies (54), GGZ (50) and BgLZ (61) through the composed gateway, JSON and XML', () => {
  let gateway: QualificationGateway;
  beforeAll(async () => {
    const services = SERVICES.map((s) => s.id);
    gateway = await startQualificationGateway(
      [{ patientRef: DE_GRAAF, services }, { patientRef: VAN_LEEUWEN, services }],
      { synthetic: true, addServices: SERVICES },
    );
  });
  afterAll(async () => gateway?.close());

  for (const service of SERVICES) {
    for (const [query, deGraaf, vanLeeuwen] of CASES[service.id]!) {
      const type = query.split(/[/?]/)[0]!;
      it(`${service.id} (${service.standard}) ${query}`, async () => {
        expect(await gateway.ask(service.id, 'STU3', DE_GRAAF, query)).toEqual(expected(deGraaf, type));
        expect(await gateway.ask(service.id, 'STU3', VAN_LEEUWEN, query)).toEqual(expected(vanLeeuwen, type));
      });
    }
  }

  it.each([
    ['54', 'Condition'],
    ['54', 'AllergyIntolerance?category=medication'],
    ['50', 'MedicationRequest?category=http://snomed.info/sct|16076005'],
    ['50', 'CarePlan'],
    ['61', 'CarePlan?_include=CarePlan:goal'],
    ['61', 'Observation?code=http://snomed.info/sct|365470003'],
  ])('service %s refuses %s (not in its implementation guide) with 400', async (service, query) => {
    await expect(gateway.ask(service, 'STU3', DE_GRAAF, query)).rejects.toThrow(/status 400/);
  });
});
