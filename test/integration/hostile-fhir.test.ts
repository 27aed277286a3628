import { readFile } from 'node:fs/promises';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { obtainToken } from '../helpers/oauth.js';
import { expectNoLeak, expectOutcome, rawRequest, type RawAnswer, type RawRequest, type RawTarget } from './hostile-harness.js';

/**
 * A hostile PGO on the node interface, with a valid token and a whitelisted certificate: every
 * malformed input must come back as an OperationOutcome (or an RFC 6750 challenge) with a 4xx
 * status, never a stack trace, an Express default page or a 500 (house rules 2 and 4).
 */
const BSN = '999911120';
const CLIENT = { clientId: 'pgo.listed.test', redirectUri: 'https://pgo.listed.test/medmij/callback', scope: 'demoziekenhuis', bsn: BSN };
const BGZ = '/fhir/demoziekenhuis/48';
const MP9 = '/fhir/demoziekenhuis/mp9-3.0';

let gw: TestGateway;
let node: RawTarget;
let token: string;

beforeAll(async () => {
  gw = await startTestGateway();
  const ca = await readFile(gw.pki.caCert, 'utf8');
  const cert = await readFile(gw.pki.pgoListedCert, 'utf8');
  const key = await readFile(gw.pki.pgoListedKey, 'utf8');
  node = { url: gw.urls.node, ca, cert, key };
  token = (await obtainToken({ patientUrl: gw.urls.patient, nodeUrl: gw.urls.node, ca, clientCert: cert, clientKey: key }, CLIENT)).access_token;
});

afterAll(async () => {
  await gw?.close();
});

function send(request: RawRequest, withToken = true): Promise<RawAnswer> {
  const headers: Array<readonly [string, string]> = withToken ? [['Authorization', `Bearer ${token}`]] : [];
  return rawRequest(node, { ...request, headers: [...headers, ...(request.headers ?? [])] });
}

test('the token works: a plain search answers a Bundle (the probes below fail for their input, not for the token)', async () => {
  const answer = await send({ path: `${BGZ}/Condition` });
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.body)).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
});

describe('malformed paths and query strings', () => {
  test.each([
    ['%zz in the path', `${BGZ}/Condi%zztion`, 400],
    ['%00 in the path', `${BGZ}/Condition%00`, 400],
    ['%zz in the query', `${BGZ}/Condition?category=%zz`, 400],
    ['%00 in the query', `${BGZ}/Condition?category=%00`, 400],
    ['a lone % in the query', `${BGZ}/Condition?_count=%`, 400],
    ['an empty parameter', `${BGZ}/Condition?category=`, 400],
    ['a parameter without =', `${BGZ}/Condition?category`, 400],
    ['an empty name', `${BGZ}/Condition?=x`, 400],
    ['duplicate _count', `${BGZ}/Condition?_count=1&_count=2`, 400],
    ['_count=-1', `${BGZ}/Condition?_count=-1`, 400],
    ['_count=1e9', `${BGZ}/Condition?_count=1e9`, 400],
    ['_count=abc', `${BGZ}/Condition?_count=abc`, 400],
    ['_count=999999999999999999999', `${BGZ}/Condition?_count=999999999999999999999`, 400],
    ['an unknown parameter', `${BGZ}/Condition?evil=1`, 400],
    ['an unknown _include target', `${BGZ}/Patient?_include=Patient:evil`, 400],
    ['_include of another resource type', `${BGZ}/Patient?_include=Observation:subject`, 400],
    ['_include=*', `${BGZ}/Patient?_include=*`, 400],
    ['a patient parameter', `${BGZ}/Condition?patient=Patient/other`, 400],
    ['an unknown resource type', `${BGZ}/Evil`, 400],
    ['a lower-case resource type', `${BGZ}/condition`, 400],
    ['a read with an over-long id', `${BGZ}/Condition/${'a'.repeat(100)}`, 400],
    ['a read with a bad id', `${BGZ}/Condition/a$b`, 400],
    ['a compartment-style path', `${BGZ}/Patient/x/Condition`, 400],
    ['_history', `${BGZ}/Condition/x/_history`, 400],
  ])('%s → OperationOutcome', async (_name, path, status) => {
    expectOutcome(await send({ path }), status);
  });

  test.each([
    ['.. across services', `${BGZ}/../mp9-3.0/Patient`],
    ['%2e%2e across services', `${BGZ}/%2e%2e/mp9-3.0/Patient`],
    ['%2E%2E/ across providers', `${BGZ}/%2E%2E/%2E%2E/other/48/Patient`],
    ['an encoded slash', `/fhir/demoziekenhuis%2F48/Condition`],
    ['a double slash', `/fhir/demoziekenhuis//48/Condition`],
    ['a backslash', `/fhir/demoziekenhuis/48\\..\\mp9-3.0/Patient`],
  ])('path traversal (%s) never reaches another base: 4xx OperationOutcome', async (_name, path) => {
    const answer = await send({ path });
    expectNoLeak(answer);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.body).not.toContain('"Bundle"');
    expect(answer.headers['content-type']).toMatch(/^application\/fhir\+json/);
  });

  test('empty pieces of a query string (`?&&`) are skipped, not taken for parameters', async () => {
    const answer = await send({ path: `${BGZ}/Condition?&&` });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ resourceType: 'Bundle' });
  });

  test('an unknown base answers a 404 OperationOutcome, also without a token', async () => {
    expectOutcome(await send({ path: '/fhir/otherhospital/48/Patient' }), 404);
    expectOutcome(await send({ path: '/fhir/demoziekenhuis/49/Patient' }, false), 404);
    expectOutcome(await send({ path: '/fhir' }, false), 404);
    expectOutcome(await send({ path: '/fhir/' }, false), 404);
  });

  test('a 100 kB query string is refused with 414 or 400, never processed', async () => {
    const answer = await send({ path: `${BGZ}/Condition?category=${'a'.repeat(100_000)}` });
    expectNoLeak(answer);
    expect([400, 414, 431]).toContain(answer.status);
  });

  test('a 100 kB path is refused, never processed', async () => {
    const answer = await send({ path: `${BGZ}/${'a'.repeat(100_000)}` });
    expectNoLeak(answer);
    expect([400, 404, 414, 431]).toContain(answer.status);
  });

  test('_format=evil → 406 (or 400) OperationOutcome in JSON', async () => {
    const answer = await send({ path: `${BGZ}/Condition?_format=evil` });
    expect([400, 406]).toContain(answer.status);
    expectOutcome(answer, answer.status);
    expect(answer.headers['content-type']).toMatch(/^application\/fhir\+json/);
  });

  test('_format=xml on an error still answers an OperationOutcome in XML', async () => {
    const answer = await send({ path: `${BGZ}/Condition?_format=xml&_count=abc` });
    expectOutcome(answer, 400);
    expect(answer.headers['content-type']).toMatch(/^application\/fhir\+xml/);
  });
});

describe('methods, bodies and headers', () => {
  const methods = ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE'];
  const paths = [`${BGZ}/Condition`, `${BGZ}/Condition/x`, `${BGZ}/metadata`, `${MP9}/MedicationRequest`, `${BGZ}`, '/fhir/demoziekenhuis/99/Condition'];
  test.each(methods.flatMap((m) => paths.map((p) => [m, p] as const)))('%s %s → 4xx OperationOutcome, no Express page', async (method, path) => {
    const answer = await send({ method, path, ...(method === 'POST' || method === 'PUT' || method === 'PATCH' ? { body: '{}', headers: [['Content-Type', 'application/fhir+json']] } : {}) });
    expectNoLeak(answer);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(JSON.parse(answer.body)).toMatchObject({ resourceType: 'OperationOutcome' });
  });

  test('HEAD on a search answers headers only, like GET', async () => {
    const answer = await send({ method: 'HEAD', path: `${BGZ}/Condition` });
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('');
  });

  test('a body on GET is refused with 400 and an RFC 6750 challenge', async () => {
    const answer = await send({ path: `${BGZ}/Condition`, body: 'access_token=x' });
    expectOutcome(answer, 400);
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_request"/);
  });

  test('a 20 kB header is refused by the HTTP parser with 431, no HTML', async () => {
    const answer = await send({ path: `${BGZ}/Condition`, headers: [['X-Evil', 'a'.repeat(20_000)]] });
    expectNoLeak(answer);
    expect(answer.status).toBe(431);
  });

  test.each([
    ['text/html', 406],
    ['*/*', 200],
    ['application/json', 200],
    ['application/xml', 200],
    ['application/fhir+json; fhirVersion=9.9', 406],
    ['application/fhir+json;q=abc', 200],
    ['\u00e9vil/\u00e9vil', 406],
    [';;;,,,', 200], // no media range at all: as if Accept were absent (RFC 9110 §12.5.1)
    ['a'.repeat(4000), 400], // over the cap of format.ts
  ])('Accept: %j', async (accept, status) => {
    const answer = await send({ path: `${BGZ}/Condition`, headers: [['Accept', accept]] });
    expectNoLeak(answer);
    expect(answer.status).toBe(status);
    if (status >= 400) expectOutcome(answer, status);
  });
});

describe('Authorization variants', () => {
  test('lower-case "bearer" is the same scheme (RFC 7235 §2.1: case-insensitive)', async () => {
    const answer = await send({ path: `${BGZ}/Condition`, headers: [['Authorization', `bearer ${token}`]] }, false);
    expect(answer.status).toBe(200);
  });

  test.each([
    ['two spaces', () => `Bearer  ${token}`, 200],
    ['no token', () => 'Bearer', 400],
    ['Basic scheme', () => 'Basic dXNlcjpwYXNz', 400],
    ['a token with a space', () => `Bearer ${token.slice(0, 5)} ${token.slice(5)}`, 400],
    ['a token with unicode', () => `Bearer ${token}\u00e9`, 400],
    ['a token with a quote', () => `Bearer ${token}"`, 400],
    ['a 10 kB token', () => `Bearer ${'a'.repeat(10_000)}`, 400],
    ['an unknown token', () => 'Bearer not-a-token', 401],
    ['an empty header', () => '', 401],
  ])('%s → refused (or served) with an RFC 6750 challenge', async (_name, header, status) => {
    const answer = await send({ path: `${BGZ}/Condition`, headers: [['Authorization', header()]] }, false);
    expectNoLeak(answer);
    expect(answer.status).toBe(status);
    if (status !== 200) {
      expectOutcome(answer, status);
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm="fhir"/);
      expect(answer.body).not.toContain(token);
    }
  });

  test('two Authorization headers are refused (RFC 6750 §3.1 invalid_request), not merged or picked', async () => {
    const answer = await send({ path: `${BGZ}/Condition`, headers: [['Authorization', `Bearer ${token}`], ['Authorization', `Bearer ${token}`]] }, false);
    expectOutcome(answer, 400);
    expect(answer.headers['www-authenticate']).toMatch(/error="invalid_request"/);
  });

  test('a token in the query string is refused even with a valid header', async () => {
    const answer = await send({ path: `${BGZ}/Condition?access_token=${token}` });
    expectOutcome(answer, 400);
    expect(answer.headers['www-authenticate']).toMatch(/error="invalid_request"/);
  });

  test('every refusal above left one audit record per request, and none holds the token', () => {
    const refused = [...gw.audit.ofType('send_resource_request_error'), ...gw.audit.ofType('send_resource_error_response')];
    expect(refused.length).toBeGreaterThan(20);
    expect(refused.every((e) => e.outcome !== 'success')).toBe(true);
    expect(JSON.stringify(gw.audit.events)).not.toContain(token);
  });
});
