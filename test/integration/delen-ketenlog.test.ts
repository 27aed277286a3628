import { randomUUID } from 'node:crypto';
import { authorizeWithSimulator, exchangeCode } from '../../gateway/pgo-client/index.js';
import { createTestPki, type TestPki } from '../helpers/certs.js';
import { shareBloodPressure, DELEN_BSN, DELEN_CLIENT, DELEN_PATIENT, DELEN_SCOPE, startDelenGateway, UNKNOWN_DELEN_BSN } from '../helpers/delen.js';
import { FakeMedMijLogApi, type StoredRecord } from '../helpers/fake-medmij-log-api.js';
import type { TestGateway } from '../helpers/gateway.js';
import { authorizeUrl, HttpSession, type TokenTarget } from '../helpers/oauth.js';

/**
 * MedMij ketenmonitoring for Delen: the composed gateway sends every DVA event of a Delen run to
 * a fake MedMij log API (real HTTPS, two-sided TLS with the gateway's certificate, every record
 * validated against the schema). Names as in the README's "MedMij ketenmonitoring".
 */
const DELEN = [
  'receive_authorization_request',
  'show_landing_page',
  'send_authentication_request',
  'receive_authentication_response',
  'show_confirmation_page',
  'send_authorization_response',
  'receive_token_request',
  'send_token_response',
  'receive_resource_request',
  'send_resource_response',
];
const REFUSED_AT_ACCEPTANCE = ['receive_authorization_request', 'show_landing_page', 'send_authentication_request', 'receive_authentication_response', 'send_authorization_request_error'];
const NOT_CONFIRMED = [...REFUSED_AT_ACCEPTANCE.slice(0, 4), 'show_confirmation_page', 'send_authorization_request_error'];

let pki: TestPki;
let api: FakeMedMijLogApi;
let gw: TestGateway;
let target: TokenTarget;

beforeAll(async () => {
  pki = await createTestPki();
  api = new FakeMedMijLogApi({ cert: pki.gateway.cert, key: pki.gateway.key, ca: pki.ca.cert, expectClientCert: pki.gateway.cert });
  await api.start();
  gw = await startDelenGateway({
    certsDir: pki.dir,
    extraYaml: `
ketenlog:
  enabled: true
  url: ${api.url}
  location: dva.demoziekenhuis.test
  caFile: ${pki.files.caCert}
  requestTimeoutMs: 2000
  batch: { maxEvents: 5, maxAgeMs: 100 }
  retry: { initialDelayMs: 50, maxDelayMs: 300 }
`,
  });
  target = { patientUrl: gw.urls.patient, nodeUrl: gw.urls.node, ca: pki.ca.cert, clientCert: pki.pgoListed.cert, clientKey: pki.pgoListed.key };
});
afterAll(async () => {
  await gw?.close();
  await api?.stop();
});

const ofSession = (sessionId: string): StoredRecord[] => api.stored.filter((r) => r.event.session_id === sessionId);

/** Waits until the session's run has arrived whole, then a little longer: nothing more may follow. */
async function arrived(sessionId: string, count: number): Promise<StoredRecord[]> {
  const until = Date.now() + 15_000;
  while (ofSession(sessionId).length < count && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 400));
  return ofSession(sessionId);
}

describe('a Delen run reaches MedMij\'s log', () => {
  it('produces exactly the expected events in order, valid, without BSN or patient reference', async () => {
    const session = new HttpSession(target);
    const sessionId = randomUUID();
    try {
      const back = await authorizeWithSimulator(session, authorizeUrl(target, { ...DELEN_CLIENT, scope: DELEN_SCOPE, sessionId }), { bsn: DELEN_BSN });
      const token = await exchangeCode(session, { code: back.searchParams.get('code')!, redirectUri: DELEN_CLIENT.redirectUri, clientId: DELEN_CLIENT.clientId, sessionId });
      expect(token.refresh_token).toBeUndefined();
      const posted = await shareBloodPressure(session, gw, token.access_token, 140, sessionId);
      expect(posted.status).toBe(200);
    } finally {
      await session.close();
    }
    const records = await arrived(sessionId, DELEN.length);
    expect(records.map((r) => r.event.type)).toEqual(DELEN);
    expect(api.invalid).toEqual([]);
    const trail = JSON.stringify(records);
    for (const secret of [DELEN_BSN, DELEN_PATIENT, 'Patient/', '85354-9', 'mm[Hg]', 'Synthetisch']) expect(trail).not.toContain(secret);
    const token = records.find((r) => r.event.type === 'receive_token_request')!;
    expect(token.request).toMatchObject({ method: 'post', client_id: DELEN_CLIENT.clientId, grant_type: 'authorization_code', initiated_by: 'person' });
    const resource = records.find((r) => r.event.type === 'receive_resource_request')!;
    expect(resource.request).toMatchObject({ method: 'post', provider_id: 'demoziekenhuis', service_id: '53', client_id: DELEN_CLIENT.clientId });
    expect(String(resource.request!['uri'])).toMatch(/\/fhir\/demoziekenhuis\/53$/);
    expect(records.find((r) => r.event.type === 'send_resource_response')!.response).toEqual({ id: resource.request!['id'], status: 200 });
  });

  it('a share refused at the acceptance check ends in send_authorization_request_error with access_denied', async () => {
    const session = new HttpSession(target);
    const sessionId = randomUUID();
    try {
      const back = await authorizeWithSimulator(session, authorizeUrl(target, { ...DELEN_CLIENT, scope: DELEN_SCOPE, sessionId }), { bsn: UNKNOWN_DELEN_BSN });
      expect(back.searchParams.get('error')).toBe('access_denied');
    } finally {
      await session.close();
    }
    const records = await arrived(sessionId, REFUSED_AT_ACCEPTANCE.length);
    expect(records.map((r) => r.event.type)).toEqual(REFUSED_AT_ACCEPTANCE);
    expect(records.at(-1)!.error).toMatchObject({ code: 'access_denied', description: 'share_not_accepted' });
    expect(JSON.stringify(records)).not.toContain(UNKNOWN_DELEN_BSN);
  });

  it('a confirmation the Person declines ends in send_authorization_request_error after show_confirmation_page', async () => {
    const session = new HttpSession(target);
    const sessionId = randomUUID();
    try {
      const back = await authorizeWithSimulator(session, authorizeUrl(target, { ...DELEN_CLIENT, scope: DELEN_SCOPE, sessionId }), { bsn: DELEN_BSN, confirm: false });
      expect(back.searchParams.get('error')).toBe('access_denied');
    } finally {
      await session.close();
    }
    const records = await arrived(sessionId, NOT_CONFIRMED.length);
    expect(records.map((r) => r.event.type)).toEqual(NOT_CONFIRMED);
    expect(records.at(-1)!.error).toMatchObject({ code: 'access_denied', description: 'confirmation_refused' });
  });
});
