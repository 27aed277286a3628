import type { Resource } from '../../adapters/types.js';

/**
 * Synthetic patients A and B for FHIR API tests, written to pass the MedMij answer checks
 * (profiles, displays, codings with system and code). The BSN values are test numbers from the
 * 999-range; the gateway must mask them.
 */
const SCT = 'http://snomed.info/sct';
const profile = (name: string) => ({ profile: [`http://fhir.nl/fhir/StructureDefinition/${name}`] });
const ref = (reference: string, display: string) => ({ reference, display });
const cc = (system: string, code: string, display: string) => ({ coding: [{ system, code, display }] });

function patient(id: string, bsn: string, family: string): Resource {
  return {
    resourceType: 'Patient',
    id,
    meta: profile('nl-core-patient'),
    identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: bsn }],
    name: [{ family }],
    generalPractitioner: [ref('Practitioner/gp1', 'Dr. Huisarts')],
  };
}

const condition = (id: string, patientRef: string, code: string, display: string): Resource => ({
  resourceType: 'Condition',
  id,
  meta: profile('zib-Problem'),
  code: cc(SCT, code, display),
  subject: ref(`Patient/${patientRef}`, patientRef),
});

const labResult = (id: string, patientRef: string, loinc: string, related?: string): Resource => ({
  resourceType: 'Observation',
  id,
  meta: profile('zib-LaboratoryTestResult-Observation'),
  status: 'final',
  category: [cc(SCT, '275711006', 'Chemistry procedure')],
  code: cc('http://loinc.org', loinc, `lab ${loinc}`),
  subject: ref(`Patient/${patientRef}`, patientRef),
  effectiveDateTime: '2024-03-01T10:00:00+01:00',
  ...(related ? { related: [{ type: 'has-member', target: ref(related, 'related result') }] } : {}),
});

export const STU3_DATA: readonly Resource[] = [
  patient('patA', '999911120', 'Aalders'),
  patient('patB', '999990020', 'Bakker'),
  { resourceType: 'Practitioner', id: 'gp1', meta: profile('nl-core-practitioner'), name: [{ family: 'Huisarts' }] },
  condition('condA1', 'patA', '38341003', 'Hypertensie'),
  condition('condA2', 'patA', '73211009', 'Diabetes mellitus'),
  condition('condB1', 'patB', '195967001', 'Astma'),
  labResult('labA1', 'patA', '2345-7', 'Observation/labB1'),
  labResult('labB1', 'patB', '718-7'),
];

export const R4_DATA: readonly Resource[] = [
  { ...patient('patA', '999911120', 'Aalders'), meta: profile('nl-core-Patient') },
  { resourceType: 'Practitioner', id: 'gp1', meta: profile('nl-core-HealthProfessional-Practitioner'), name: [{ family: 'Huisarts' }] },
  { resourceType: 'Medication', id: 'med1', meta: profile('pharmaceutical-product'), code: cc('urn:oid:2.16.840.1.113883.2.4.4.10', '67903', 'Metformine 500mg') },
  {
    resourceType: 'MedicationRequest',
    id: 'maA1',
    meta: profile('mp-MedicationAgreement'),
    status: 'active',
    intent: 'order',
    category: [cc(SCT, '33633005', 'Medicatieafspraak')],
    medicationReference: ref('Medication/med1', 'Metformine 500mg'),
    subject: ref('Patient/patA', 'patA'),
    authoredOn: '2024-02-01',
  },
];
