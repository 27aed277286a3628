import { catalogueFile, loadCatalogue, type QueryCatalogue } from '../../../gateway/fhir/catalogue/index.js';
import { FhirError } from '../../../gateway/fhir/outcome.js';
import { decideAccess, readableTypes, type AccessGrant, type ServiceAccess } from '../../../gateway/fhir/policy.js';
import { parseFhirRequest } from '../../../gateway/fhir/request.js';

/** The access decision alone: plain values in, a decision or a FhirError out; no HTTP, no Express. */
let bgz: ServiceAccess;
beforeAll(async () => {
  const catalogue: QueryCatalogue = await loadCatalogue(catalogueFile('bgz-3'));
  bgz = { providerName: 'demoziekenhuis', serviceId: '48', fhirVersion: 'STU3', catalogue, readable: readableTypes(catalogue, 'STU3') };
});

const grantA: AccessGrant = { clientId: 'pgo-one', providerName: 'demoziekenhuis', serviceIds: ['48'], patientRef: 'patA' };
const request = (path: string) => {
  const [p = '', q = ''] = path.split('?');
  return parseFhirRequest({ method: 'GET', segments: p.split('/'), rawQuery: q }, 'STU3');
};
const refusal = (fn: () => unknown): { status: number; reason: string } => {
  try {
    fn();
  } catch (err) {
    if (err instanceof FhirError) return { status: err.status, reason: err.reason };
    throw err;
  }
  throw new Error('expected a refusal');
};

describe('decideAccess', () => {
  test('a catalogue search: the template it matched, the patient and the page owner from the token', () => {
    const d = decideAccess({ grant: grantA, service: bgz, request: request('Condition') });
    expect(d.kind).toBe('search');
    if (d.kind !== 'search') return;
    expect(d.template.resourceType).toBe('Condition');
    expect(d.scope).toEqual({ patientRef: 'patA', fhirVersion: 'STU3' });
    expect(d.owner).toEqual({ clientId: 'pgo-one', patientRef: 'patA', providerName: 'demoziekenhuis', serviceId: '48' });
  });

  test('refusals: another service 403, a patient or a BSN in the request 400, a search outside the catalogue 400, an unserved type 400', () => {
    expect(refusal(() => decideAccess({ grant: { ...grantA, serviceIds: ['51'] }, service: bgz, request: request('Condition') }))).toEqual({ status: 403, reason: 'service_not_granted' });
    expect(refusal(() => decideAccess({ grant: { ...grantA, providerName: 'elders' }, service: bgz, request: request('Condition') })).status).toBe(403);
    expect(refusal(() => decideAccess({ grant: grantA, service: bgz, request: request('Condition?patient=patB') }))).toEqual({ status: 400, reason: 'query_not_in_catalogue' });
    expect(refusal(() => decideAccess({ grant: grantA, service: bgz, request: request('Patient?identifier=http://fhir.nl/fhir/NamingSystem/bsn|999990020') }))).toEqual({ status: 400, reason: 'bsn_in_request' });
    expect(refusal(() => decideAccess({ grant: grantA, service: bgz, request: request('Condition?code=http://snomed.info/sct|1') })).status).toBe(400);
    expect(refusal(() => decideAccess({ grant: grantA, service: bgz, request: request('Questionnaire/q1') }))).toEqual({ status: 400, reason: 'type_not_served' });
  });

  test('the post-check keeps the patient’s own, drops another patient’s (reported for the alarm), and masks the BSN', () => {
    const d = decideAccess({ grant: grantA, service: bgz, request: request('Patient') });
    if (d.kind !== 'search') throw new Error('a search');
    const own = { resourceType: 'Patient', id: 'patA', identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911120' }] };
    const { answer, violations } = d.postCheck({ matches: [own, { resourceType: 'Patient', id: 'patB' }], includes: [], total: 2 });
    expect(answer.matches.map((r) => r.id)).toEqual(['patA']);
    expect(answer.total).toBe(1);
    expect(violations).toEqual([{ resourceType: 'Patient' }]);
    expect(JSON.stringify(answer)).not.toContain('999911120');

    const read = decideAccess({ grant: grantA, service: bgz, request: request('Condition/c1') });
    if (read.kind !== 'read') throw new Error('a read');
    expect(read.postCheck({ resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/patB' } })).toEqual({ answer: undefined, violations: [{ resourceType: 'Condition' }] });
    expect(read.postCheck({ resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/patA' } }).answer?.id).toBe('c1');
  });
});
