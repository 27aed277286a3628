import { buildSearchUrl, fhirPassthroughConfigSchema, parseSearchBundle, rewriteUpstreamUrls } from '../../../../adapters/fhir-passthrough/index.js';

const config = (extra: Record<string, unknown> = {}) =>
  fhirPassthroughConfigSchema.parse({ id: 'e', kind: 'fhir', baseUrl: 'https://ehr.internal/fhir/', fhirVersion: 'STU3', resourceTypes: ['Observation'], ...extra });

test('the adapter adds the patient; patient-ish and result parameters from the PGO are dropped', () => {
  const url = buildSearchUrl(
    {
      resourceType: 'Observation',
      criteria: [],
      params: [
        { name: 'code', value: 'http://loinc.org|1-8' },
        { name: 'Patient', value: 'x' },
        { name: 'subject.identifier', value: 'bsn|1' },
        { name: '_revinclude', value: 'Provenance:target' },
        { name: 'focus', value: 'Patient/other' },
        { name: '_lastUpdated', value: 'ge2020' },
      ],
    },
    'p-1',
    config(),
  );
  expect(url).toBe('Observation?patient=p-1&code=http%3A%2F%2Floinc.org%7C1-8&_lastUpdated=ge2020&_count=100');
});

test('per-type parameter, forward allow-list, and a patient reference that is not an id is refused', () => {
  const c = config({ patientParamByType: { Coverage: 'beneficiary' }, forwardParams: ['status'] });
  expect(buildSearchUrl({ resourceType: 'Coverage', criteria: [], params: [{ name: 'status', value: 'active' }, { name: 'type', value: 'x' }] }, 'p1', c)).toBe(
    'Coverage?beneficiary=p1&status=active&_count=100',
  );
  expect(() => buildSearchUrl({ resourceType: 'Observation', params: [], criteria: [] }, 'p1&_id=p2', c)).toThrow(/not a FHIR id/);
  expect(c.baseUrl).toBe('https://ehr.internal/fhir');
});

test('_include goes upstream only with forwardIncludes, as sent, :iterate spelled per FHIR version', () => {
  const includes = [{ value: 'Observation:performer', iterate: false }, { value: 'PractitionerRole:practitioner', iterate: true }];
  const query = { resourceType: 'Observation', criteria: [], params: [{ name: 'code', value: 'x' }], includes };
  expect(buildSearchUrl(query, 'p1', config())).toBe('Observation?patient=p1&code=x&_count=100');
  expect(buildSearchUrl(query, 'p1', config({ forwardIncludes: true }))).toBe(
    'Observation?patient=p1&code=x&_include=Observation%3Aperformer&_include%3Arecurse=PractitionerRole%3Apractitioner&_count=100',
  );
  expect(buildSearchUrl(query, 'p1', config({ forwardIncludes: true, fhirVersion: 'R4' }))).toContain('&_include%3Aiterate=PractitionerRole%3Apractitioner&');
});

test('upstream Bundles: matches and includes apart, next link kept for paging, outcomes dropped', () => {
  const page = parseSearchBundle({
    resourceType: 'Bundle', type: 'searchset',
    link: [{ relation: 'self', url: 'https://ehr.internal/fhir/Observation' }, { relation: 'next', url: 'https://ehr.internal/fhir?page=2' }],
    entry: [
      { resource: { resourceType: 'Observation', id: 'o1' }, search: { mode: 'match' } },
      { resource: { resourceType: 'Practitioner', id: 'p1' }, search: { mode: 'include' } },
      { resource: { resourceType: 'OperationOutcome', id: 'w' }, search: { mode: 'outcome' } },
    ],
  });
  expect(page).toEqual({ matches: [{ resourceType: 'Observation', id: 'o1' }], included: [{ resourceType: 'Practitioner', id: 'p1' }], next: 'https://ehr.internal/fhir?page=2', outcomes: 1 });
  expect(() => parseSearchBundle({ resourceType: 'OperationOutcome' })).toThrow(/not a Bundle/);
  expect(() => parseSearchBundle({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'Observation', id: '../x' } }] })).toThrow(/valid id/);
});

test('internal URLs become relative; other absolute URLs are left alone', () => {
  const r = rewriteUpstreamUrls(
    { resourceType: 'DocumentReference', id: 'd', subject: { reference: 'https://ehr.internal/fhir/Patient/p' }, content: [{ attachment: { url: 'http://10.0.0.5:8080/fhir/Binary/7' } }], relatesTo: [{ target: { reference: 'https://other.example/fhir/X/1' } }] },
    ['https://ehr.internal/fhir', 'http://10.0.0.5:8080/fhir/'],
  );
  expect(r).toEqual({ resourceType: 'DocumentReference', id: 'd', subject: { reference: 'Patient/p' }, content: [{ attachment: { url: 'Binary/7' } }], relatesTo: [{ target: { reference: 'https://other.example/fhir/X/1' } }] });
});
