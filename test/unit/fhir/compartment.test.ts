import { checkPatientCompartment } from '../../../gateway/fhir/compartment.js';
import { judgeCompartment, patientIdsIn } from '../../../adapters/index.js';
import { containsUnmaskedBsn, maskBsn } from '../../../gateway/fhir/mask-bsn.js';

describe('checkPatientCompartment', () => {
  const mine = { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/A', display: 'A' } };
  const theirs = { resourceType: 'Condition', id: 'c2', subject: { reference: 'Patient/B', display: 'B' } };
  const absolute = { resourceType: 'Observation', id: 'o1', subject: { reference: 'https://ehr/fhir/Patient/B/_history/3' } };
  const nested = { resourceType: 'Coverage', id: 'cv', beneficiary: { reference: 'Patient/A' }, contained: [{ resourceType: 'RelatedPerson', patient: { reference: 'Patient/B' } }] };
  const shared = { resourceType: 'Practitioner', id: 'p1' };

  it('keeps own and shared resources and drops anything that points at another patient', () => {
    const r = checkPatientCompartment([mine, theirs, absolute, nested, shared, { resourceType: 'Patient', id: 'A' }, { resourceType: 'Patient', id: 'B' }], 'A');
    expect(r.kept.map((x) => x.id)).toEqual(['c1', 'p1', 'A']);
    expect(r.violations.map((v) => v.resourceType)).toEqual(['Condition', 'Observation', 'Coverage', 'Patient']);
  });

  it('finds Patient references anywhere in the tree', () => {
    expect(patientIdsIn(nested)).toEqual(['A', 'B']);
    expect(patientIdsIn({ resourceType: 'Binary', securityContext: { reference: 'Patient/Z' } })).toEqual(['Z']);
  });

  it('keeps a resource that names no patient only where unlinked ones are allowed (includes), without an alarm', () => {
    const specimen = { resourceType: 'Specimen', id: 's1', subject: { reference: '#dev1' }, contained: [{ resourceType: 'Device', id: 'dev1' }] };
    expect(judgeCompartment(specimen, 'A')).toBe('unlinked');
    expect(checkPatientCompartment([specimen], 'A')).toEqual({ kept: [], violations: [] });
    expect(checkPatientCompartment([specimen], 'A', { allowUnlinked: true }).kept.map((r) => r.id)).toEqual(['s1']);
    const foreignSpecimen = { ...specimen, id: 's2', subject: { reference: 'Patient/B' } };
    expect(checkPatientCompartment([foreignSpecimen], 'A', { allowUnlinked: true })).toEqual({ kept: [], violations: [{ resourceType: 'Specimen' }] });
  });
});

describe('maskBsn', () => {
  const patient = {
    resourceType: 'Patient',
    id: 'A',
    identifier: [
      { system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999999990' },
      { system: 'urn:oid:2.16.840.1.113883.2.4.6.3', value: '999999990' },
      { system: 'https://ehr.example/mrn', value: '123' },
    ],
    generalPractitioner: [{ identifier: { system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '1' }, display: 'x' }],
  };

  it('replaces every BSN value with the masked data-absent-reason and leaves the rest alone', () => {
    expect(containsUnmaskedBsn(patient)).toBe(true);
    const masked = maskBsn(patient);
    expect(containsUnmaskedBsn(masked)).toBe(false);
    expect(masked.identifier[0]).toEqual({
      system: 'http://fhir.nl/fhir/NamingSystem/bsn',
      _value: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'masked' }] },
    });
    expect(masked.identifier[2]).toEqual({ system: 'https://ehr.example/mrn', value: '123' });
    expect(JSON.stringify(masked)).not.toContain('999999990');
    expect(patient.identifier[0]?.value).toBe('999999990'); // the adapter's object is not changed
  });
});
