import { bindEntries } from '../../../../gateway/fhir/write/bind-patient.js';
import type { BatchEntry } from '../../../../gateway/fhir/write/parse-batch.js';

const P = 'urn:uuid:11111111-1111-4111-8111-111111111111';
const O = 'urn:uuid:22222222-2222-4222-8222-222222222222';
const patient: BatchEntry = { fullUrl: P, resource: { resourceType: 'Patient' } };
const obs = (subject: string, extra: Record<string, unknown> = {}): BatchEntry => ({ fullUrl: O, resource: { resourceType: 'Observation', id: 'sent-id', meta: { versionId: '7', profile: ['x'] }, subject: { reference: subject }, ...extra } });
let n = 0;
const newId = (): string => `new-${++n}`;

describe('bindEntries: the patient comes from the token', () => {
  beforeEach(() => (n = 0));

  it('binds the Patient entry to the token patient, assigns ids and drops the sent id and version', () => {
    const [p, o] = bindEntries([patient, obs(P)], 'pat1', newId);
    expect(p).toEqual({ kind: 'patient' });
    expect(o).toEqual({ kind: 'resource', resource: { resourceType: 'Observation', id: 'new-1', meta: { profile: ['x'] }, subject: { reference: 'Patient/pat1' } } });
  });

  it('accepts the relative reference to the token patient, with or without a version', () => {
    expect(bindEntries([obs('Patient/pat1')], 'pat1', newId)[0]!.kind).toBe('resource');
    expect(bindEntries([obs('Patient/pat1/_history/2')], 'pat1', newId)[0]!.kind).toBe('resource');
  });

  it('refuses another patient, also one hidden in a nested reference or an absolute URL to the same id', () => {
    expect(bindEntries([obs('Patient/pat2')], 'pat1', newId)[0]!.kind).toBe('foreign-patient');
    expect(bindEntries([obs(P, { performer: [{ reference: 'Patient/pat2' }] }), patient], 'pat1', newId)[0]!.kind).toBe('foreign-patient');
    expect(bindEntries([obs('https://elsewhere.example/fhir/Patient/pat1')], 'pat1', newId)[0]!.kind).toBe('foreign-patient');
    expect(bindEntries([obs('Patient/pat10')], 'pat1', newId)[0]!.kind).toBe('foreign-patient');
  });

  it('refuses a urn:uuid that names no entry of the batch', () => {
    expect(bindEntries([obs('urn:uuid:33333333-3333-4333-8333-333333333333')], 'pat1', newId)[0]).toEqual({ kind: 'unresolved', resourceType: 'Observation' });
  });

  it('rewrites references between entries to the assigned ids', () => {
    const related: BatchEntry = { fullUrl: 'urn:uuid:44444444-4444-4444-8444-444444444444', resource: { resourceType: 'Observation', subject: { reference: P }, related: [{ target: { reference: O } }] } };
    const bound = bindEntries([patient, obs(P), related], 'pat1', newId);
    const r = bound[2]!;
    expect(r.kind === 'resource' && r.resource['related']).toEqual([{ target: { reference: 'Observation/new-1' } }]);
  });
});
