import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Agent, request } from 'undici';
import { createHttpsLogApiClient, KetenlogQueue, MemoryOutbox, Shipper } from '../../gateway/ketenlog/index.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { RedisStore } from '../../gateway/storage/index.js';
import { createTestPki, type TestPki } from '../helpers/certs.js';
import { FakeMedMijLogApi, type StoredRecord } from '../helpers/fake-medmij-log-api.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { HttpSession, authorizeUrl, obtainToken, type TokenTarget } from '../helpers/oauth.js';
import { redisReachable, TEST_REDIS_URL } from '../helpers/redis.js';

/**
 * MedMij ketenmonitoring end to end: the composed gateway, real OAuth flows and FHIR searches over
 * mTLS, and a fake MedMij log API (real HTTPS, two-sided TLS, schema validation) that can fail.
 */
const BSN = '999911120';
const CLIENT = { clientId: 'pgo.listed.test', redirectUri: 'https://pgo.listed.test/medmij/callback', scope: 'demoziekenhuis' };

/** The DVA events of one Verzamelen run (authorization, token, two resource requests), in order. */
const VERZAMELEN = [
  'receive_authorization_request',
  'show_landing_page',
  'send_authentication_request',
  'receive_authentication_response',
  'show_consent_page',
  'send_authorization_response',
  'receive_token_request',
  'send_token_response',
  'receive_resource_request',
  'send_resource_response',
  'receive_resource_request',
  'send_resource_response',
];

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

const target = (gw: TestGateway): TokenTarget => ({ patientUrl: gw.urls.patient, nodeUrl: gw.urls.node, ca: pki.ca.cert, clientCert: pki.pgoListed.cert, clientKey: pki.pgoListed.key });

function ketenlogYaml(api: FakeMedMijLogApi, extra: { outbox?: string; batch?: string; requestTimeoutMs?: number } = {}): string {
  return `
ketenlog:
  enabled: true
  url: ${api.url}
  location: dva.demoziekenhuis.test
  caFile: ${pki.files.caCert}
  requestTimeoutMs: ${extra.requestTimeoutMs ?? 2000}
  batch: ${extra.batch ?? '{ maxEvents: 5, maxAgeMs: 100 }'}
  retry: { initialDelayMs: 50, maxDelayMs: 300 }
  outbox: ${extra.outbox ?? '{ maxEvents: 10000, whenFull: refuse-new-flows }'}
`;
}

async function startApi(): Promise<FakeMedMijLogApi> {
  const api = new FakeMedMijLogApi({ cert: pki.gateway.cert, key: pki.gateway.key, ca: pki.ca.cert, expectClientCert: pki.gateway.cert });
  await api.start();
  return api;
}

/** One Verzamelen run: the OAuth flow, then two BgZ searches in the same session. */
async function verzamelen(gw: TestGateway): Promise<string> {
  const token = await obtainToken(target(gw), { ...CLIENT, bsn: BSN });
  const agent = new Agent({ connect: { ca: pki.ca.cert, cert: pki.pgoListed.cert, key: pki.pgoListed.key } });
  try {
    for (const query of ['Patient?_include=Patient:general-practitioner', 'Condition']) {
      const res = await request(`${gw.urls.node}/fhir/demoziekenhuis/48/${query}`, {
        dispatcher: agent,
        headers: { authorization: `Bearer ${token.access_token}`, accept: 'application/fhir+json', 'medmij-request-id': randomUUID(), 'x-correlation-id': token.sessionId },
      });
      await res.body.text();
      expect(res.statusCode).toBe(200);
    }
  } finally {
    await agent.close();
  }
  return token.sessionId;
}

const ofSession = (records: readonly StoredRecord[], sessionId: string) => records.filter((r) => r.event.session_id === sessionId).map((r) => r.event.type);
const identityOf = (r: StoredRecord) => JSON.stringify(r);

/** Waits until a whole run of the session has arrived, then a little longer (nothing more may follow). */
async function waitForSession(api: FakeMedMijLogApi, sessionId: string): Promise<void> {
  const until = Date.now() + 10_000;
  while (ofSession(api.stored, sessionId).length < VERZAMELEN.length && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 500));
}

function expectNoDuplicates(records: readonly StoredRecord[]): void {
  expect(new Set(records.map(identityOf)).size).toBe(records.length);
}

async function readyOf(gw: TestGateway): Promise<{ status: number; body: { checks: Array<{ name: string; ok: boolean; detail?: string }> } }> {
  const res = await fetch(`${gw.urls.operations}/ready`);
  return { status: res.status, body: (await res.json()) as { checks: Array<{ name: string; ok: boolean; detail?: string }> } };
}

async function metric(gw: TestGateway, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${gw.urls.operations}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

describe('a Verzamelen run reaches MedMij\'s log', () => {
  let api: FakeMedMijLogApi;
  let gw: TestGateway;
  beforeAll(async () => {
    api = await startApi();
    gw = await startTestGateway({ certsDir: pki.dir, extraYaml: ketenlogYaml(api) });
  });
  afterAll(async () => {
    await gw?.close();
    await api?.stop();
  });

  it('produces exactly the expected events, in order, each valid and free of the BSN and patient reference', async () => {
    const sessionId = await verzamelen(gw);
    await api.waitForStored(VERZAMELEN.length);
    await new Promise((r) => setTimeout(r, 300)); // nothing more may follow
    expect(ofSession(api.stored, sessionId)).toEqual(VERZAMELEN);
    expect(api.invalid).toEqual([]);
    const trail = JSON.stringify(api.stored);
    for (const secret of [BSN, 'Patient/', 'ehr-']) expect(trail).not.toContain(secret);
    const records = api.stored.filter((r) => r.event.session_id === sessionId);
    for (const r of records) expect(r.event).toMatchObject({ location: 'dva.demoziekenhuis.test', session_id: sessionId });
    // Request and answer pair up by id; token and resource requests carry their MedMij fields.
    const token = records.find((r) => r.event.type === 'receive_token_request')!;
    expect(token.request).toMatchObject({ method: 'post', client_id: 'pgo.listed.test', server_id: 'pgo.listed.test', grant_type: 'authorization_code', initiated_by: 'person' });
    expect(records.find((r) => r.event.type === 'send_token_response')!.response).toEqual({ id: token.request!['id'], status: 200 });
    const resource = records.find((r) => r.event.type === 'receive_resource_request')!;
    expect(resource.request).toMatchObject({ method: 'get', provider_id: 'demoziekenhuis', service_id: '48', client_id: 'pgo.listed.test' });
    expect(String(resource.request!['uri'])).toMatch(/\/fhir\/demoziekenhuis\/48\/Patient$/);
    // The local NEN 7513 trail is still there, with the patient reference MedMij never gets.
    expect(gw.audit.ofType('send_resource_response').some((e) => e.patientRef !== undefined)).toBe(true);
    expect(await metric(gw, 'medmij_gateway_ketenlog_sent_total')).toBeGreaterThanOrEqual(VERZAMELEN.length);
  });
});

describe('the API down, failing or slow: nothing lost, nothing stored twice', () => {
  let api: FakeMedMijLogApi;
  let gw: TestGateway;
  beforeAll(async () => {
    api = await startApi();
    gw = await startTestGateway({ certsDir: pki.dir, extraYaml: ketenlogYaml(api, { requestTimeoutMs: 1000 }) });
  });
  afterAll(async () => {
    await gw?.close();
    await api?.stop();
  });

  it('answering 503: patients are served meanwhile, every record arrives once when it recovers', async () => {
    api.mode = { kind: 'error', status: 503 };
    const s1 = await verzamelen(gw);
    await new Promise((r) => setTimeout(r, 500));
    expect(api.stored).toHaveLength(0);
    expect(api.received.filter((r) => r.status === 503).length).toBeGreaterThan(1); // it retried
    expect(await metric(gw, 'medmij_gateway_ketenlog_queued')).toBe(VERZAMELEN.length);
    expect(await metric(gw, 'medmij_gateway_ketenlog_failed_total')).toBeGreaterThan(1);
    api.mode = { kind: 'up' };
    await api.waitForStored(VERZAMELEN.length);
    expect(ofSession(api.stored, s1)).toEqual(VERZAMELEN);
    expectNoDuplicates(api.stored);
  });

  it('down (nothing listening), then back: every record arrives once, in order', async () => {
    const before = api.stored.length;
    await api.stop();
    const s2 = await verzamelen(gw);
    await new Promise((r) => setTimeout(r, 500));
    await api.start();
    await api.waitForStored(before + VERZAMELEN.length);
    expect(ofSession(api.stored, s2)).toEqual(VERZAMELEN);
    expectNoDuplicates(api.stored);
  });

  it('slow but within the deadline: each batch is sent once', async () => {
    const before = api.received.length;
    api.mode = { kind: 'slow', delayMs: 150 };
    const s3 = await verzamelen(gw);
    await waitForSession(api, s3);
    expect(ofSession(api.stored, s3)).toEqual(VERZAMELEN);
    const keys = api.received.slice(before).map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    api.mode = { kind: 'up' };
  });

  it('slower than the deadline: the batch is re-sent as the same batch (same key), so it is stored once', async () => {
    const before = api.received.length;
    api.mode = { kind: 'slow', delayMs: 1300 };
    const s4 = await verzamelen(gw);
    await new Promise((r) => setTimeout(r, 2500));
    api.mode = { kind: 'up' };
    await waitForSession(api, s4);
    expect(ofSession(api.stored, s4)).toEqual(VERZAMELEN);
    const keys = api.received.slice(before).map((r) => r.key);
    expect(keys.length).toBeGreaterThan(new Set(keys).size); // re-sent after the timeouts ...
    expectNoDuplicates(api.stored); // ... and recognised: nothing stored twice
    expect(api.invalid).toEqual([]);
  });
});

describe('a full outbox behaves as configured', () => {
  let api: FakeMedMijLogApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('refuse-new-flows: /ready and the metric say so, new authorization requests get 503, running ones finish; it recovers once delivered', async () => {
    api.mode = { kind: 'error', status: 500 };
    const gw = await startTestGateway({ certsDir: pki.dir, extraYaml: ketenlogYaml(api, { outbox: '{ maxEvents: 8, whenFull: refuse-new-flows }' }) });
    try {
      const s = await verzamelen(gw); // 12 events: the outbox fills up during the run, which still completes
      await gw.gateway.ketenlog!.flush();
      const ready = await readyOf(gw);
      expect(ready.status).toBe(503);
      expect(ready.body.checks.find((c) => c.name === 'ketenlog')).toMatchObject({ ok: false });
      expect(await metric(gw, 'medmij_gateway_ketenlog_outbox_full')).toBe(1);
      const session = new HttpSession(target(gw));
      const refused = await session.get(authorizeUrl(target(gw), CLIENT));
      await session.close();
      expect(refused.status).toBe(503);
      expect(await metric(gw, 'medmij_gateway_ketenlog_dropped_total')).toBe(0);

      api.mode = { kind: 'up' };
      // Nothing was lost: the whole run arrives; then the gateway is ready and takes new flows.
      await waitForSession(api, s);
      expect(ofSession(api.stored, s)).toEqual(VERZAMELEN);
      expect((await readyOf(gw)).status).toBe(200);
      const again = new HttpSession(target(gw));
      const accepted = await again.get(authorizeUrl(target(gw), CLIENT));
      await again.close();
      expect(accepted.status).toBe(303);
    } finally {
      await gw.close();
    }
  });

  it('keep-serving: patients are served, the oldest records are dropped with an alarm, /ready stays up and says so', async () => {
    api.mode = { kind: 'error', status: 500 };
    const before = api.stored.length;
    const gw = await startTestGateway({ certsDir: pki.dir, extraYaml: ketenlogYaml(api, { outbox: '{ maxEvents: 5, whenFull: keep-serving }' }) });
    try {
      const s = await verzamelen(gw);
      await gw.gateway.ketenlog!.flush();
      const ready = await readyOf(gw);
      expect(ready.status).toBe(200);
      expect(ready.body.checks.find((c) => c.name === 'ketenlog')?.detail).toMatch(/dropping the oldest/);
      expect(await metric(gw, 'medmij_gateway_ketenlog_dropped_total')).toBe(VERZAMELEN.length - 5);
      expect(gw.audit.ofType('ketenlog_records_dropped').reduce((n, e) => n + (e.count ?? 0), 0)).toBe(VERZAMELEN.length - 5);
      api.mode = { kind: 'up' };
      await api.waitForStored(before + 5);
      await new Promise((r) => setTimeout(r, 300));
      expect(ofSession(api.stored, s)).toEqual(VERZAMELEN.slice(-5)); // the newest five
    } finally {
      await gw.close();
    }
  });
});

const reachable = await redisReachable();
(reachable ? describe : describe.skip)('Redis outbox: a restart with records queued loses nothing', () => {
  if (!reachable) console.warn(`Skipping the ketenlog restart test: no Redis reachable at ${TEST_REDIS_URL}`);
  const prefix = `gw-test:ketenlog:${process.pid}:${randomUUID().slice(0, 8)}:`;
  afterAll(async () => {
    const store = new RedisStore({ url: TEST_REDIS_URL, keyPrefix: prefix, connectTimeoutMs: 1000, commandTimeoutMs: 1000, log: createSilentLogger() });
    await store.ready();
    await store.clearPrefix();
    await store.close();
  });

  it('records queued while the API was down are delivered by the next gateway, once', async () => {
    const api = await startApi();
    await api.stop();
    const storageYaml = `{ kind: redis, url: "${TEST_REDIS_URL}", keyPrefix: "${prefix}" }`;
    const first = await startTestGateway({ certsDir: pki.dir, storageYaml, extraYaml: ketenlogYaml(api) });
    let s: string;
    try {
      s = await verzamelen(first);
    } finally {
      await first.close();
    }
    await api.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(api.stored).toHaveLength(0); // the first gateway is gone; the records wait in Redis
    const second = await startTestGateway({ certsDir: pki.dir, storageYaml, extraYaml: ketenlogYaml(api) });
    try {
      await api.waitForStored(VERZAMELEN.length);
      await new Promise((r) => setTimeout(r, 300));
      expect(ofSession(api.stored, s)).toEqual(VERZAMELEN);
      expectNoDuplicates(api.stored);
      expect((await second.gateway.ketenlog!.status()).queued).toBe(0);
    } finally {
      await second.close();
      await api.stop();
    }
  });
});

(reachable ? describe : describe.skip)('ketenlog CLI command', () => {
  const prefix = `gw-test:ketenlog-cli:${process.pid}:${randomUUID().slice(0, 8)}:`;
  afterAll(async () => {
    const store = new RedisStore({ url: TEST_REDIS_URL, keyPrefix: prefix, connectTimeoutMs: 1000, commandTimeoutMs: 1000, log: createSilentLogger() });
    await store.ready();
    await store.clearPrefix();
    await store.close();
  });

  it('status shows what waits; resend delivers it once; a running gateway keeps the lease', async () => {
    const { runKetenlogCommand } = await import('../../gateway/ketenlog-command.js');
    const api = await startApi();
    await api.stop();
    const storageYaml = `{ kind: redis, url: "${TEST_REDIS_URL}", keyPrefix: "${prefix}" }`;
    const gw = await startTestGateway({ certsDir: pki.dir, storageYaml, extraYaml: ketenlogYaml(api) });
    const configFile = path.join(pki.dir, `ketenlog-cli-${randomUUID()}.yaml`);
    await writeFile(configFile, await readFile(path.join(gw.dir, 'gateway.yaml'), 'utf8'));
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      const s = await verzamelen(gw);
      await gw.gateway.ketenlog!.flush();
      expect(await runKetenlogCommand(['resend', configFile])).toBe(0);
      expect(out.join('')).toContain('holds the shipping lease');
      await gw.close();
      out.length = 0;
      expect(await runKetenlogCommand(['status', configFile])).toBe(0);
      expect(out.join('')).toMatch(new RegExp(`outbox: ${VERZAMELEN.length} record\\(s\\) queued`));
      expect(out.join('')).toContain('receive_authorization_request');
      await api.start();
      out.length = 0;
      expect(await runKetenlogCommand(['resend', configFile])).toBe(0);
      expect(out.join('')).toContain(`sent ${VERZAMELEN.length} record(s)`);
      expect(ofSession(api.stored, s)).toEqual(VERZAMELEN);
      out.length = 0;
      expect(await runKetenlogCommand(['status', configFile])).toBe(0);
      expect(out.join('')).toContain('outbox: 0 record(s) queued');
    } finally {
      spy.mockRestore();
      await gw.close();
      await api.stop();
    }
  });
});

describe('the shipper alone, against the fake API over two-sided TLS', () => {
  let api: FakeMedMijLogApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await api?.stop();
  });

  const record = (n: number, type = 'show_landing_page') =>
    JSON.stringify({ event: { type, location: 'localhost', datetime: '2026-12-01T22:00:00.000+01:00', session_id: `s-${n}`, trace_id: `t-${n}` } });

  async function shipperWith(batch: { maxEvents: number; maxBytes: number; maxAgeMs: number }) {
    const outbox = new MemoryOutbox();
    const queue = new KetenlogQueue({ outbox, maxEvents: 1000, whenFull: 'refuse-new-flows', log: createSilentLogger() });
    const client = createHttpsLogApiClient({ url: api.url, cert: pki.gateway.cert, key: pki.gateway.key, ca: pki.ca.cert, timeoutMs: 2000 });
    const shipper = new Shipper({ outbox, queue, client, batch, retry: { initialDelayMs: 20, maxDelayMs: 100 }, log: createSilentLogger() });
    return { outbox, queue, shipper, close: async () => (await shipper.stop(), client.close()) };
  }

  it('batches by count: full batches go at once, a partial one waits for its age', async () => {
    const before = api.received.length;
    const s = await shipperWith({ maxEvents: 4, maxBytes: 1_000_000, maxAgeMs: 60_000 });
    try {
      await s.outbox.append(Array.from({ length: 9 }, (_, i) => record(i)));
      s.shipper.start();
      await api.waitForStored(8, 5000);
      await new Promise((r) => setTimeout(r, 300));
      // The ninth record is a partial batch, far younger than maxAgeMs: it waits.
      expect(api.stored).toHaveLength(8);
      expect(await s.outbox.size()).toBe(1);
      expect(api.received.slice(before).map((r) => r.count)).toEqual([4, 4]);
    } finally {
      await s.close();
    }
    const aged = await shipperWith({ maxEvents: 4, maxBytes: 1_000_000, maxAgeMs: 200 });
    try {
      await aged.outbox.append([record(9)]);
      aged.shipper.start();
      await api.waitForStored(9, 5000); // alone, it goes once it is old enough
    } finally {
      await aged.close();
    }
  });

  it('batches by size: no batch is larger than maxBytes', async () => {
    const before = api.received.length;
    const stored = api.stored.length;
    const one = Buffer.byteLength(record(10));
    const s = await shipperWith({ maxEvents: 100, maxBytes: 2 + 3 * one + 2, maxAgeMs: 50 });
    try {
      await s.outbox.append(Array.from({ length: 10 }, (_, i) => record(10 + i)));
      s.shipper.start();
      await api.waitForStored(stored + 10, 5000);
      expect(api.received.slice(before).map((r) => r.count)).toEqual([3, 3, 3, 1]);
    } finally {
      await s.close();
    }
  });

  it('a record the API refuses does not hold up the others: the batch is halved until it is alone, then removed with an alarm', async () => {
    const before = api.stored.length;
    const s = await shipperWith({ maxEvents: 8, maxBytes: 1_000_000, maxAgeMs: 50 });
    try {
      const records = Array.from({ length: 8 }, (_, i) => record(200 + i));
      records[5] = record(205, 'not_a_medmij_event');
      await s.outbox.append(records);
      s.shipper.start();
      await api.waitForStored(before + 7, 8000);
      const until = Date.now() + 5000;
      while ((await s.outbox.size()) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect(await s.outbox.size()).toBe(0);
      expect(s.shipper.stats.rejected).toBe(1);
      expect(api.stored.slice(before).map((r) => r.event.session_id)).toEqual(['s-200', 's-201', 's-202', 's-203', 's-204', 's-206', 's-207']);
    } finally {
      await s.close();
    }
  });
});
