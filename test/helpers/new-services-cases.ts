import { DEMO_PATIENTS } from '../../adapters/demo/built-in-data.js';

/**
 * The searches the implementation guides of Overgevoeligheden (54), Basisgegevens GGZ (50) and
 * Basisgegevens Langdurige Zorg (61) have a PGO send (the MedMij AllergyIntolerance 3.0, GGZ 2.0
 * and BgLZ 3.0 guides; for 50 and 61 as the government PGO's data-service configuration sends
 * them), with the answers expected on the synthetic demo patients (adapters/demo/data/stu3),
 * worked out from those files by hand. No Nictiz test set of these services is shared.
 */
export const [DE_GRAAF, VAN_LEEUWEN] = DEMO_PATIENTS.map((p) => p.id) as [string, string];
export const NEW_STU3_SERVICES = [
  { id: '54', standard: 'allergy-3', fhirVersion: 'STU3' as const },
  { id: '50', standard: 'ggz-2', fhirVersion: 'STU3' as const },
  { id: '61', standard: 'bglz-3', fhirVersion: 'STU3' as const },
];

/** Expected answer: matches, and the included resources by type. */
export type Want = readonly [matches: number, includes?: Readonly<Record<string, number>>];
export type Case = readonly [query: string, deGraaf: Want, vanLeeuwen: Want];

const PATIENT_GP: Case = ['Patient?_include=Patient:general-practitioner', [1, { Practitioner: 1 }], [1, { Practitioner: 1 }]];
const TREATMENT_DIRECTIVE: Case = ['Consent?category=http://snomed.info/sct|11291000146105', [0], [0]];
const ADVANCE_DIRECTIVE: Case = ['Consent?category=http://snomed.info/sct|11341000146107', [0], [0]];
const PROBLEM: Case = ['Condition', [2], [1]];
const LAB: Case = ['Observation/$lastn?category=http://snomed.info/sct|275711006&_include=Observation:related-target&_include=Observation:specimen', [0], [0]];
const PROCEDURE: Case = ['Procedure', [1], [1]];
const CARE_TEAM: Case = ['CareTeam?_include=CareTeam:participant', [1, { Practitioner: 1 }], [1, { Practitioner: 1 }]];
const ALLERGY: Case = ['AllergyIntolerance', [2], [1]];

export const NEW_SERVICE_CASES: Readonly<Record<string, readonly Case[]>> = {
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

