import { randomUUID } from 'node:crypto';
import { parseFhirXml } from '../../gateway/fhir/fhir-xml.js';
import type { Resource } from '../../adapters/types.js';
import { assertMedMijAnswer } from '../helpers/fhir-answer-checks.js';
import { createTestAdapter } from '../helpers/fhir-test-adapter.js';
import { R4_DATA, STU3_DATA } from '../helpers/fhir-test-data.js';
import { startFhirTestServer, TOKENS, type TestServer } from '../helpers/fhir-test-server.js';

const data = { STU3: STU3_DATA, R4: R4_DATA };
let srv: TestServer;
let bgz: string;
let mp9: string;

beforeAll(async () => {
  srv = await startFhirTestServer({
    adapters: new Map([
      ['test-ehr', createTestAdapter({ id: 'test-ehr', data })],
      ['leaky-ehr', createTestAdapter({ id: 'leaky-ehr', data, leakOtherPatients: true })],
      ['hung-ehr', createTestAdapter({ id: 'hung-ehr', data, hang: true })],
    ]),
    providers: [
      {
        name: 'demoziekenhuis',
        displayName: 'Demo',
        services: [
          { id: '48', standard: 'bgz-3', fhirVersion: 'STU3', adapter: 'test-ehr', timeoutMs: 5000 },
          { id: 'mp9', standard: 'mp9-3.0', fhirVersion: 'R4', adapter: 'test-ehr', timeoutMs: 5000 },
        ],
      },
      { name: 'traagziekenhuis', displayName: 'Traag', services: [{ id: '48', standard: 'bgz-3', fhirVersion: 'STU3', adapter: 'hung-ehr', timeoutMs: 300 }] },
      { name: 'lekziekenhuis', displayName: 'Lek', services: [{ id: '48', standard: 'bgz-3', fhirVersion: 'STU3', adapter: 'leaky-ehr', timeoutMs: 5000 }] },
    ],
  });
  bgz = `${srv.url}/fhir/demoziekenhuis/48`;
  mp9 = `${srv.url}/fhir/demoziekenhuis/mp9`;
});
afterAll(() => srv.close());

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

async function get(url: string, token: string | undefined, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, {
    headers: {
      'MedMij-Request-ID': randomUUID(),
      'X-Correlation-ID': randomUUID(),
      ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
      ...headers,
    },
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const json = (a: Answer): Record<string, unknown> & Resource => JSON.parse(a.text) as Record<string, unknown> & Resource;
type Entry = { fullUrl: string; resource: Resource; search: { mode: string } };
const entries = (b: Resource): Entry[] => (b.entry as Entry[] | undefined) ?? [];
const ids = (b: Resource, mode = 'match'): string[] => entries(b).filter((e) => e.search.mode === mode).map((e) => `${e.resource.resourceType}/${e.resource.id}`).sort();

/** Search in JSON and XML, run the MedMij checks on both and require the same content. */
async function searchBoth(url: string, token: string, version: 'STU3' | 'R4', patientRef = 'patA'): Promise<Resource> {
  const j = await get(url, token, { Accept: 'application/fhir+json' });
  expect(j.status).toBe(200);
  expect(j.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
  const fromJson = json(j);
  assertMedMijAnswer(fromJson, { url, patientRef });
  const x = await get(url, token, { Accept: 'application/fhir+xml' });
  expect(x.status).toBe(200);
  expect(x.headers.get('content-type')).toMatch(/^application\/fhir\+xml/);
  const fromXml = parseFhirXml(x.text, version);
  assertMedMijAnswer(fromXml, { url, patientRef });
  const strip = (b: Resource) => ({ ...b, id: undefined });
  expect(strip(fromXml)).toEqual(strip(fromJson));
  return fromJson;
}

function expectOutcome(a: Answer, status: number, code: string): Record<string, unknown> {
  expect(a.status).toBe(status);
  const body = json(a);
  expect(body.resourceType).toBe('OperationOutcome');
  expect((body.issue as Array<{ code: string }>)[0]?.code).toBe(code);
  return body;
}

describe('FHIR API: metadata', () => {
  it('serves a CapabilityStatement per base without a token, in JSON and XML', async () => {
    const stu3 = json(await get(`${bgz}/metadata`, undefined));
    expect(stu3).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '3.0.2', kind: 'instance' });
    const types = ((stu3.rest as Array<{ resource: Array<{ type: string }> }>)[0]?.resource ?? []).map((r) => r.type);
    expect(types).toEqual(expect.arrayContaining(['Condition', 'Observation', 'Patient', 'Practitioner']));
    expect(types).not.toContain('MedicationAdministration');
    const r4 = await get(`${mp9}/metadata`, undefined, { Accept: 'application/fhir+xml' });
    expect(r4.status).toBe(200);
    expect(parseFhirXml(r4.text, 'R4')).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1' });
  });
});

describe('FHIR API: searches and reads', () => {
  it('answers a search for the token patient in JSON and XML, echoing MedMij-Request-ID and auditing it', async () => {
    const traceId = randomUUID();
    const url = `${bgz}/Condition`;
    const b = await searchBoth(url, TOKENS.bgzA, 'STU3');
    expect(b.total).toBe(2);
    expect(ids(b)).toEqual(['Condition/condA1', 'Condition/condA2']);
    expect(entries(b)[0]?.fullUrl).toBe(`${bgz}/Condition/${entries(b)[0]?.resource.id}`);

    const again = await get(url, TOKENS.bgzA, { 'MedMij-Request-ID': traceId });
    expect(again.headers.get('medmij-request-id')).toBe(traceId);
    const record = srv.audit.events.find((e) => e.traceId === traceId && e.type !== 'receive_resource_request');
    expect(record).toMatchObject({
      type: 'send_resource_response',
      outcome: 'success',
      status: 200,
      clientId: 'qualification',
      peerHost: 'pgo.example.nl',
      providerId: 'demoziekenhuis',
      serviceId: '48',
      patientRef: 'patA',
      resourceType: 'Condition',
      count: 2,
    });
    expect(JSON.stringify(srv.audit.events)).not.toMatch(/999911120|Hypertensie|tok-bgz/);
  });

  it('serves the patient with a masked BSN and the included general practitioner', async () => {
    const url = `${bgz}/Patient?_include=Patient:general-practitioner`;
    const b = await searchBoth(url, TOKENS.bgzA, 'STU3');
    expect(ids(b)).toEqual(['Patient/patA']);
    expect(ids(b, 'include')).toEqual(['Practitioner/gp1']);
    const x = await get(url, TOKENS.bgzA, { Accept: 'application/fhir+xml' });
    expect(x.text).toContain('http://hl7.org/fhir/StructureDefinition/data-absent-reason');
    expect(x.text).not.toContain('999911120');
  });

  it('runs an R4 search with _include in JSON and XML', async () => {
    const url = `${mp9}/MedicationRequest?category=http://snomed.info/sct|33633005&_include=MedicationRequest:medication`;
    const b = await searchBoth(url, TOKENS.mp9A, 'R4');
    expect(ids(b)).toEqual(['MedicationRequest/maA1']);
    expect(ids(b, 'include')).toEqual(['Medication/med1']);
  });

  it('reads a resource by id in JSON and XML (via _format too)', async () => {
    const j = json(await get(`${bgz}/Condition/condA1`, TOKENS.bgzA));
    expect(j).toMatchObject({ resourceType: 'Condition', id: 'condA1' });
    const x = await get(`${bgz}/Condition/condA1?_format=xml`, TOKENS.bgzA);
    expect(x.headers.get('content-type')).toMatch(/^application\/fhir\+xml/);
    expect(parseFhirXml(x.text, 'STU3')).toEqual(j);
  });

  it('pages with _count and repeats every parameter in the links', async () => {
    const url = `${bgz}/Condition?_count=1`;
    const b = json(await get(url, TOKENS.bgzA));
    assertMedMijAnswer(b, { url, patientRef: 'patA' });
    expect(b.total).toBe(2);
    expect(entries(b)).toHaveLength(1);
    const next = (b.link as Array<{ relation: string; url: string }>).find((l) => l.relation === 'next')?.url;
    expect(next).toBe(`${bgz}/Condition?_count=1&_getpagesoffset=1`);
    const second = json(await get(next!, TOKENS.bgzA));
    expect(ids(second)).not.toEqual(ids(b));
  });

  it('accepts lenient Accept headers and refuses unsupported ones with 406', async () => {
    expect((await get(`${bgz}/Condition`, TOKENS.bgzA, { Accept: 'application/fhir+json; fhirVersion=3.0' })).status).toBe(200);
    expect((await get(`${bgz}/Condition`, TOKENS.bgzA, { Accept: 'application/json' })).status).toBe(200);
    expectOutcome(await get(`${bgz}/Condition`, TOKENS.bgzA, { Accept: 'text/html' }), 406, 'not-supported');
  });
});

describe('FHIR API: the patient comes from the token only', () => {
  it('gives nothing of patient B to a token of patient A', async () => {
    expectOutcome(await get(`${bgz}/Condition?_id=condB1`, TOKENS.bgzA), 400, 'not-supported');
    expectOutcome(await get(`${bgz}/Condition?patient=patB`, TOKENS.bgzA), 400, 'not-supported');
    expectOutcome(await get(`${bgz}/Condition?subject=Patient/patB`, TOKENS.bgzA), 400, 'not-supported');
    expectOutcome(await get(`${bgz}/Patient?identifier=http://fhir.nl/fhir/NamingSystem/bsn|999990020`, TOKENS.bgzA), 400, 'invalid');
    expectOutcome(await get(`${bgz}/Condition/condB1`, TOKENS.bgzA), 404, 'not-found');
    expectOutcome(await get(`${bgz}/Patient/patB`, TOKENS.bgzA), 404, 'not-found');
    // The same data is there for B's own token.
    expect(ids(json(await get(`${bgz}/Condition`, TOKENS.bgzB)))).toEqual(['Condition/condB1']);
  });

  it('does not follow an _include into another patient, and raises the alarm', async () => {
    const before = srv.audit.ofType('compartment_violation').length;
    const url = `${bgz}/Observation/$lastn?category=http://snomed.info/sct|275711006&_include=Observation:related-target`;
    const b = await searchBoth(url, TOKENS.bgzA, 'STU3');
    expect(ids(b)).toEqual(['Observation/labA1']);
    expect(ids(b, 'include')).toEqual([]);
    const alarms = srv.audit.ofType('compartment_violation').slice(before);
    expect(alarms.length).toBeGreaterThan(0);
    expect(alarms[0]).toMatchObject({ outcome: 'alarm', patientRef: 'patA', resourceType: 'Observation', serviceId: '48' });
  });

  it('drops what a misbehaving adapter returns of another patient, with an alarm audit record', async () => {
    const before = srv.audit.ofType('compartment_violation').length;
    const url = `${srv.url}/fhir/lekziekenhuis/48/Condition`;
    const b = json(await get(url, TOKENS.leakA));
    assertMedMijAnswer(b, { url, patientRef: 'patA' });
    expect(ids(b)).toEqual(['Condition/condA1', 'Condition/condA2']);
    const alarms = srv.audit.ofType('compartment_violation').slice(before);
    expect(alarms).toEqual([expect.objectContaining({ outcome: 'alarm', resourceType: 'Condition', count: 1, providerId: 'lekziekenhuis', patientRef: 'patA' })]);
  });

  it('refuses a BgZ token on the medication base with 403', async () => {
    expectOutcome(await get(`${mp9}/MedicationRequest?category=http://snomed.info/sct|33633005`, TOKENS.bgzA), 403, 'forbidden');
    expectOutcome(await get(`${bgz}/Condition`, TOKENS.mp9A), 403, 'forbidden');
  });
});

describe('FHIR API: malformed requests', () => {
  it.each([
    ['an unknown parameter', '/Condition?foo=bar', 'not-supported'],
    ['an unknown resource type', '/Foo', 'not-supported'],
    ['a malformed resource type', '/foo', 'invalid'],
    ['a malformed search', '/DocumentReference/$', 'not-supported'],
    ['a malformed _count', '/Condition?_count=many', 'invalid'],
    ['an unsupported result parameter', '/Condition?_summary=count', 'not-supported'],
  ])('400 OperationOutcome for %s', async (_what, path, code) => {
    const body = expectOutcome(await get(`${bgz}${path}`, TOKENS.bgzA), 400, code);
    expect(JSON.stringify(body)).not.toContain('bar');
  });

  it('400 for a malformed date on an R4 base', async () => {
    const body = expectOutcome(await get(`${mp9}/MedicationRequest?category=http://snomed.info/sct|33633005&period-of-use=ge2024-13-45`, TOKENS.mp9A), 400, 'invalid');
    expect(JSON.stringify(body)).toContain('period-of-use');
  });

  it('400 for an absurd MedMij-Request-ID, 404 for an unknown base', async () => {
    expectOutcome(await get(`${bgz}/Condition`, TOKENS.bgzA, { 'MedMij-Request-ID': 'x'.repeat(300) }), 400, 'invalid');
    expectOutcome(await get(`${srv.url}/fhir/nobody/48/Condition`, TOKENS.bgzA), 404, 'not-found');
  });
});

describe('FHIR API: tokens and failures', () => {
  it('401 with an invalid_token challenge for an unknown token', async () => {
    const a = await get(`${bgz}/Condition`, 'no-such-token');
    expectOutcome(a, 401, 'security');
    expect(a.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
  });

  it('401 without an error attribute when no token is sent; 400 for a token in the query', async () => {
    const a = await get(`${bgz}/Condition`, undefined);
    expectOutcome(a, 401, 'security');
    expect(a.headers.get('www-authenticate')).not.toContain('error=');
    const q = await get(`${bgz}/Condition?access_token=${TOKENS.bgzA}`, undefined);
    expect(q.status).toBe(400);
    expect(q.headers.get('www-authenticate')).toContain('error="invalid_request"');
    const audit = srv.audit.events.filter((e) => e.status === 401);
    expect(audit.length).toBeGreaterThan(0);
    expect(audit.every((e) => e.type === 'send_resource_request_error' && e.outcome === 'refused')).toBe(true);
  });

  it('504 OperationOutcome when the adapter does not answer within the service deadline', async () => {
    const started = Date.now();
    const a = await get(`${srv.url}/fhir/traagziekenhuis/48/Condition`, TOKENS.slowA);
    expect(Date.now() - started).toBeLessThan(3000);
    const body = expectOutcome(a, 504, 'timeout');
    expect(JSON.stringify(body)).toMatch(/requestId [0-9a-f-]{36}/);
    expect(srv.audit.events.at(-1)).toMatchObject({ type: 'send_resource_error_response', status: 504, reason: 'adapter_timeout' });
  });
});
