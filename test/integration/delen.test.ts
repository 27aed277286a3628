import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { resolveDatePlaceholders } from '../../adapters/demo/resolve-date-placeholders.js';
import type { Resource } from '../../adapters/types.js';
import { parseFhirXml, toFhirXml } from '../../gateway/fhir/fhir-xml.js';
import { fromProjectRoot } from '../../gateway/project-root.js';
import { formatZalEntries, zalEntriesFor } from '../../gateway/zal-command.js';
import { bloodPressureBatch } from '../helpers/delen.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { parseZalText } from '../helpers/zal.js';
import { listen, type Backend } from './adapters-backends.js';
import { randomBytes } from 'node:crypto';
import { redisReachable, TEST_REDIS_URL } from '../helpers/redis.js';

/**
 * Delen (the patient shares self-measurements with the care provider) against the composed
 * gateway over two-sided TLS, as the listed PGO, with a qualification token for the Delen
 * service `demoziekenhuis~53` (DIGEST §2.2 scope) and the demo EHR behind it.
 */
const PATIENT = 'demo-patient-de-graaf';
const OTHER = 'demo-patient-van-leeuwen';
const TOKEN = 'tok-delen-de-graaf-0000000001';
const TOKEN_BGZ = 'tok-bgz-de-graaf-00000000002';
const TOKEN_OTHER = 'tok-delen-van-leeuwen-000003';
const SHARED = path.resolve(fromProjectRoot(), '..', 'shared', 'fixtures', 'nictiz', 'stu3-vitals-test-send', 'bundles');

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

let gw: TestGateway;
let tls: { ca: string; cert: string; key: string };

async function startDelenGateway(storageYaml?: string, certsDir?: string): Promise<TestGateway> {
  const tokens = [
    { token: TOKEN, patientRef: PATIENT, services: '["53"]' },
    { token: TOKEN_OTHER, patientRef: OTHER, services: '["53"]' },
    { token: TOKEN_BGZ, patientRef: PATIENT, services: '["48"]' },
  ].map((t) => `    - { token: ${t.token}, patientRef: ${t.patientRef}, provider: demoziekenhuis, services: ${t.services} }`);
  return startTestGateway({
    mode: 'test',
    ...(storageYaml ? { storageYaml } : {}),
    ...(certsDir ? { certsDir } : {}),
    servicesYaml: [
      '      - { id: "48", standard: bgz-3, fhirVersion: STU3, adapter: demo-ehr }',
      '      - { id: "53", standard: zelfmetingen-delen-2, fhirVersion: STU3, adapter: demo-ehr }',
    ].join('\n'),
    extraYaml: `qualification:\n  tokens:\n${tokens.join('\n')}`,
  });
}

function send(g: TestGateway, method: 'POST' | 'GET', target: string, o: { token?: string; body?: string; contentType?: string; accept?: string; requestId?: string; prefer?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'medmij-request-id': o.requestId ?? randomUUID(), 'x-correlation-id': randomUUID() };
    if (o.token !== undefined) headers['authorization'] = `Bearer ${o.token}`;
    if (o.accept !== undefined) headers['accept'] = o.accept;
    if (o.prefer !== undefined) headers['prefer'] = o.prefer;
    if (o.body !== undefined) {
      headers['content-type'] = o.contentType ?? 'application/fhir+json';
      headers['content-length'] = String(Buffer.byteLength(o.body));
    }
    const req = https.request(`${g.urls.node}${target}`, { method, ...tls, servername: 'localhost', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

const share = (body: string, o: Parameters<typeof send>[3] = {}, g = gw) =>
  send(g, 'POST', '/fhir/demoziekenhuis/53', { token: TOKEN, prefer: 'return=representation', body, ...o });

type Entry = { resource?: Resource; response: { status: string; location?: string; outcome?: { issue: Array<{ code: string; diagnostics: string }> } } };
const entriesOf = (a: Answer): Entry[] => {
  const bundle = a.contentType.includes('xml') ? parseFhirXml(a.text, 'STU3') : (JSON.parse(a.text) as Resource);
  expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'batch-response' });
  return (bundle['entry'] as Entry[] | undefined) ?? [];
};

beforeAll(async () => {
  gw = await startDelenGateway();
  tls = { ca: await readFile(gw.pki.caCert, 'utf8'), cert: await readFile(gw.pki.pgoListedCert, 'utf8'), key: await readFile(gw.pki.pgoListedKey, 'utf8') };
});
afterAll(() => gw.close());

describe('Delen: a batch of self-measurements over mTLS', () => {
  it('is registered in the ZAL like any data service, and the batch goes to its ResourceEndpointuri', async () => {
    const zal = parseZalText(formatZalEntries(zalEntriesFor(gw.gateway.config)))[0]!.services;
    expect(zal.map((s) => s.id)).toEqual(['48', '53']);
    const delen = zal.find((s) => s.id === '53')!;
    const resourcePath = new URL(delen.resourceEndpointUri).pathname;
    expect(resourcePath).toBe('/fhir/demoziekenhuis/53');
    const a = await send(gw, 'POST', resourcePath, { token: TOKEN, prefer: 'return=representation', body: JSON.stringify(bloodPressureBatch([125])) });
    expect(a.status).toBe(200);
    expect(entriesOf(a).map((e) => e.response.status)).toEqual(['200 OK', '201 Created']);
  });

  it('stores each measurement for the token patient, answers 201 per entry with the stored resource, and serves it back', async () => {
    const a = await share(JSON.stringify(bloodPressureBatch([123, 131])));
    expect(a.status).toBe(200);
    const entries = entriesOf(a);
    expect(entries.map((e) => e.response.status)).toEqual(['200 OK', '201 Created', '201 Created']);
    expect(entries[0]!.response.location).toBe(`Patient/${PATIENT}`);
    const stored = entries.slice(1).map((e) => e.resource!);
    for (const r of stored) {
      expect(r.id).toMatch(/^[0-9a-f-]{36}$/);
      // urn:uuid references resolved to the token's patient, never to the body's Patient.
      expect(r['subject']).toEqual({ reference: `Patient/${PATIENT}` });
      expect(r['performer']).toEqual([{ reference: `Patient/${PATIENT}` }]);
    }
    expect(entries[1]!.response.location).toBe(`Observation/${stored[0]!.id}`);
    // The round trip: the stored measurement is served through the Verzamelen service (BgZ read).
    const back = await send(gw, 'GET', `/fhir/demoziekenhuis/48/Observation/${stored[0]!.id}`, { token: TOKEN_BGZ });
    expect(back.status).toBe(200);
    expect(JSON.parse(back.text)).toMatchObject({ id: stored[0]!.id, subject: { reference: `Patient/${PATIENT}` } });
    // ...but not to another patient.
    const foreign = await send(gw, 'GET', `/fhir/demoziekenhuis/48/Observation/${stored[0]!.id}`, { token: 'tok-bgz-none' });
    expect(foreign.status).toBe(401);
  });

  it('takes XML and answers XML; without return=representation the entries carry no resource', async () => {
    const xml = toFhirXml(bloodPressureBatch([118]), 'STU3');
    const a = await share(xml, { contentType: 'application/fhir+xml', accept: 'application/fhir+xml' });
    expect(a.status).toBe(200);
    expect(a.contentType).toMatch(/^application\/fhir\+xml/);
    expect(entriesOf(a).map((e) => e.response.status)).toEqual(['200 OK', '201 Created']);
    const minimal = await share(JSON.stringify(bloodPressureBatch([119])), { prefer: 'return=minimal' });
    expect(entriesOf(minimal)[1]).toEqual({ response: { status: '201 Created', location: expect.stringMatching(/^Observation\/[0-9a-f-]{36}$/) } });
  });

  it('refuses an entry naming another patient (403 entry + alarm) and an invalid one (422 with its OperationOutcome), storing only the valid entry', async () => {
    const batch = bloodPressureBatch([120, 121, 122]);
    const entry = batch['entry'] as Array<{ resource: Record<string, unknown> }>;
    entry[1]!.resource['subject'] = { reference: `Patient/${OTHER}` };
    delete entry[2]!.resource['effectiveDateTime'];
    entry[2]!.resource['code'] = { coding: [{ system: 'http://loinc.org', code: '8867-4' }] };
    const before = gw.audit.events.filter((e) => e.type === 'compartment_violation').length;
    const a = await share(JSON.stringify(batch));
    expect(a.status).toBe(200);
    const entries = entriesOf(a);
    expect(entries.map((e) => e.response.status)).toEqual(['200 OK', '403 Forbidden', '422 Unprocessable Entity', '201 Created']);
    expect(entries[1]!.response.outcome!.issue[0]!.code).toBe('forbidden');
    expect(entries[2]!.response.outcome!.issue.map((i) => i.diagnostics)).toEqual([
      expect.stringContaining('Observation.effective[x] is required'),
      expect.stringContaining('Observation.code must hold http://loinc.org|85354-9'),
    ]);
    expect(entries[1]!.resource).toBeUndefined();
    const alarms = gw.audit.events.filter((e) => e.type === 'compartment_violation').slice(before);
    expect(alarms).toEqual([expect.objectContaining({ outcome: 'alarm', reason: 'foreign_patient_in_shared_data', resourceType: 'Observation', patientRef: PATIENT })]);
    // The valid entry of the same batch was stored for the token's patient.
    const kept = await send(gw, 'GET', `/fhir/demoziekenhuis/48/Observation/${entries[3]!.resource!.id}`, { token: TOKEN_BGZ });
    expect(kept.status).toBe(200);
  });

  it('refuses what is not a batch of the accepted data: a transaction, a PUT entry, a foreign type, bad JSON, a wrong media type, too big a body', async () => {
    const tx = { ...bloodPressureBatch([1]), type: 'transaction' };
    expect((await share(JSON.stringify(tx))).status).toBe(400);
    const put = bloodPressureBatch([1]);
    (put['entry'] as Array<{ request: { method: string } }>)[1]!.request.method = 'PUT';
    expect((await share(JSON.stringify(put))).status).toBe(400);
    const condition = bloodPressureBatch([1]);
    (condition['entry'] as Array<{ resource: Record<string, unknown>; request: { url: string } }>)[1]!.resource['resourceType'] = 'Condition';
    (condition['entry'] as Array<{ request: { url: string } }>)[1]!.request.url = 'Condition';
    const c = entriesOf(await share(JSON.stringify(condition)));
    expect(c[1]!.response).toMatchObject({ status: '422 Unprocessable Entity', outcome: { issue: [{ diagnostics: 'Condition is not accepted by this data service' }] } });
    const junk = await share('{"resourceType": "Bundle", ');
    expect(junk.status).toBe(400);
    expect(JSON.parse(junk.text)).toMatchObject({ resourceType: 'OperationOutcome' });
    expect((await share(JSON.stringify(bloodPressureBatch([1])), { contentType: 'text/plain' })).status).toBe(415);
    expect((await share(JSON.stringify({ ...bloodPressureBatch([1]), pad: 'x'.repeat(1024 * 1024) }))).status).toBe(413);
  });

  it('refuses a write without a Delen token, and on a Verzamelen-only service', async () => {
    const body = JSON.stringify(bloodPressureBatch([1]));
    expect((await share(body, { token: TOKEN_BGZ })).status).toBe(403);
    const verzamelen = await send(gw, 'POST', '/fhir/demoziekenhuis/48', { token: TOKEN_BGZ, body });
    expect(verzamelen.status).toBe(405);
    expect((await share(body, { token: 'tok-unknown-000000000000000' })).status).toBe(401);
  });
});

describe('Delen: idempotency by MedMij-Request-ID (real Redis)', () => {
  let redisGw: TestGateway | undefined;
  beforeAll(async () => {
    if (!(await redisReachable())) {
      if (process.env['CI']) throw new Error('CI: Redis must answer at ' + TEST_REDIS_URL);
      console.warn(`delen.test.ts (Redis) skipped: no Redis answering at ${TEST_REDIS_URL}`);
      return;
    }
    // A key prefix of its own per run: the shared Redis is never flushed.
    redisGw = await startDelenGateway(`{ kind: redis, url: '${TEST_REDIS_URL}', keyPrefix: 'test-delen:${randomBytes(6).toString('hex')}:' }`, gw.pki.dir);
  });
  afterAll(async () => {
    await redisGw?.close();
  });

  it('answers a retry as the first time without storing again, and refuses a reused id with another body', async () => {
    if (!redisGw) return;
    const requestId = randomUUID();
    const body = JSON.stringify(bloodPressureBatch([140]));
    const first = await share(body, { requestId }, redisGw);
    const again = await share(body, { requestId }, redisGw);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    const a = entriesOf(first);
    const b = entriesOf(again);
    expect(b.map((e) => e.response)).toEqual(a.map((e) => e.response));
    expect(b[1]!.resource!.id).toBe(a[1]!.resource!.id);
    const other = await share(JSON.stringify(bloodPressureBatch([141])), { requestId }, redisGw);
    expect(other.status).toBe(409);
    expect(JSON.parse(other.text)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'invalid' }] });
    // A new id is a new request: stored anew.
    const fresh = entriesOf(await share(body, {}, redisGw));
    expect(fresh[1]!.resource!.id).not.toBe(a[1]!.resource!.id);
  });
});

describe('Delen: every shared Nictiz self-measurement bundle', () => {
  const present = existsSync(SHARED);
  if (!present) {
    it('skips: ../shared/fixtures/nictiz/stu3-vitals-test-send/bundles is absent', () => {
      console.log(`skipped: ${SHARED} is absent`);
    });
    return;
  }
  it('accepts each as the Nictiz Receiving-XIS script sends it, with one 201 per Observation', async () => {
    const files = (await readdir(SHARED)).filter((f) => f.endsWith('.xml')).sort();
    expect(files.length).toBeGreaterThanOrEqual(18);
    for (const file of files) {
      // The scripts fill in `${DATE, T, D, -26}` before sending; so does this test.
      const xml = resolveDatePlaceholders(await readFile(path.join(SHARED, file), 'utf8'), new Date());
      const sent = parseFhirXml(xml, 'STU3');
      const types = (sent['entry'] as Array<{ resource: Resource }>).map((e) => e.resource.resourceType);
      const a = await share(xml, { contentType: 'application/fhir+xml', accept: 'application/fhir+json' });
      expect({ file, status: a.status }).toEqual({ file, status: 200 });
      const entries = entriesOf(a);
      expect({ file, statuses: entries.map((e) => e.response.status) }).toEqual({ file, statuses: types.map((t) => (t === 'Patient' ? '200 OK' : '201 Created')) });
      for (const e of entries.slice(1)) expect(e.resource!['subject']).toMatchObject({ reference: `Patient/${PATIENT}` });
    }
  });
});

describe('Delen: the fhir adapter forwards the batch to the EHR as one transaction', () => {
  let ehrGw: TestGateway;
  let ehr: Backend & { server: import('node:http').Server };
  let mode: 'up' | 'down' = 'up';
  const received: Resource[] = [];
  beforeAll(async () => {
    ehr = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/fhir/') {
          res.writeHead(404).end();
          return;
        }
        if (mode === 'down') {
          res.writeHead(503).end();
          return;
        }
        const tx = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type: string; entry: Array<{ resource: Resource }> };
        expect(tx.type).toBe('transaction');
        const stored = tx.entry.map((e, i) => ({ ...e.resource, id: `ehr-${received.length + i}` }));
        received.push(...stored);
        res.writeHead(200, { 'content-type': 'application/fhir+json' });
        res.end(JSON.stringify({ resourceType: 'Bundle', type: 'transaction-response', entry: stored.map((r) => ({ resource: r, response: { status: '201 Created', location: `Observation/${String(r.id)}/_history/1` } })) }));
      });
    });
    ehrGw = await startTestGateway({
      mode: 'test',
      certsDir: gw.pki.dir,
      servicesYaml: '      - { id: "53", standard: zelfmetingen-delen-2, fhirVersion: STU3, adapter: ehr }',
      adaptersYaml: `  - { id: ehr, kind: fhir, baseUrl: "${ehr.url}/fhir", fhirVersion: STU3, resourceTypes: [Observation, Patient] }`,
      extraYaml: `qualification:\n  tokens:\n    - { token: ${TOKEN}, patientRef: ${PATIENT}, provider: demoziekenhuis, services: ["53"] }`,
    });
  });
  afterAll(async () => {
    await ehrGw?.close();
    await ehr?.close();
  });

  it('answers 201 per entry only with the id the EHR confirmed, and 503 with nothing stored when the EHR is down', async () => {
    const a = await share(JSON.stringify(bloodPressureBatch([150, 151])), {}, ehrGw);
    expect(a.status).toBe(200);
    const entries = entriesOf(a);
    expect(entries.map((e) => [e.response.status, e.response.location])).toEqual([
      ['200 OK', `Patient/${PATIENT}`],
      ['201 Created', 'Observation/ehr-0'],
      ['201 Created', 'Observation/ehr-1'],
    ]);
    // The EHR got the token's patient, never the body's Patient entry.
    expect(received.map((r) => [r.resourceType, r['subject']])).toEqual([
      ['Observation', { reference: `Patient/${PATIENT}` }],
      ['Observation', { reference: `Patient/${PATIENT}` }],
    ]);
    mode = 'down';
    const down = await share(JSON.stringify(bloodPressureBatch([152])), {}, ehrGw);
    expect(down.status).toBe(503);
    expect(JSON.parse(down.text)).toMatchObject({ resourceType: 'OperationOutcome' });
    expect(received).toHaveLength(2);
    mode = 'up';
  });
});
