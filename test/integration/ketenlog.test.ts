import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
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
