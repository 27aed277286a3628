import { readFile } from 'node:fs/promises';
import { exchangeCode } from '../../gateway/pgo-client/index.js';
import { createLogger } from '../../gateway/observability/logger.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { authorizeWithoutBrowser, HttpSession, type TokenTarget } from '../helpers/oauth.js';
import { rawRequest, type RawTarget } from './hostile-harness.js';

/**
 * House rule 6, checked on the real output: the application log (at trace level, the most it can
 * say) and the audit trail of a whole MedMij flow plus FHIR queries, good and hostile, must hold
 * no BSN, no token, no authorization code and no name of the demo patients
 * (adapters/demo/built-in-data.ts), while the audit still says who asked what for whom.
 */
const PATIENTS = [
  { bsn: '999911120', names: ['Marieke', 'de Graaf'] },
  { bsn: '999990020', names: ['Joost', 'van Leeuwen'] },
];
const CLIENT = { clientId: 'pgo.listed.test', redirectUri: 'https://pgo.listed.test/medmij/callback', scope: 'demoziekenhuis' };

const lines: string[] = [];
const destination = { write: (line: string) => void lines.push(line) };
let gw: TestGateway;
let node: RawTarget;
let target: TokenTarget;
const secrets: string[] = [];

beforeAll(async () => {
  gw = await startTestGateway({ log: createLogger({ level: 'trace', destination }) });
  const ca = await readFile(gw.pki.caCert, 'utf8');
  const cert = await readFile(gw.pki.pgoListedCert, 'utf8');
  const key = await readFile(gw.pki.pgoListedKey, 'utf8');
  node = { url: gw.urls.node, ca, cert, key };
  target = { patientUrl: gw.urls.patient, nodeUrl: gw.urls.node, ca, clientCert: cert, clientKey: key };
});

afterAll(async () => {
  await gw?.close();
});

async function flow(bsn: string): Promise<{ access: string; refresh: string | undefined; code: string }> {
  const session = new HttpSession(target);
  const sessionId = crypto.randomUUID();
  try {
    const back = await authorizeWithoutBrowser(session, { ...CLIENT, bsn, longTerm: true, sessionId });
    const code = back.searchParams.get('code') ?? '';
    const token = await exchangeCode(session, { code, redirectUri: CLIENT.redirectUri, clientId: CLIENT.clientId, sessionId });
    return { access: token.access_token, refresh: token.refresh_token, code };
  } finally {
    await session.close();
  }
}

test('a full flow and FHIR queries for both demo patients leave no BSN, token, code or name in the log or the audit', async () => {
  for (const patient of PATIENTS) {
    const { access, refresh, code } = await flow(patient.bsn);
    secrets.push(access, code, ...(refresh ? [refresh] : []));
    const auth: Array<readonly [string, string]> = [['Authorization', `Bearer ${access}`]];
    const queries = [
      'Patient',
      'Patient?_include=Patient:general-practitioner',
      'Condition',
      `Patient?identifier=http://fhir.nl/fhir/NamingSystem/bsn|${patient.bsn}`,
      `Patient?name=${encodeURIComponent(patient.names[1]!)}`,
      `Condition?_count=${patient.bsn}`,
      `Evil?x=${patient.bsn}`,
    ];
    const statuses: number[] = [];
    for (const q of queries) statuses.push((await rawRequest(node, { path: `/fhir/demoziekenhuis/48/${q}`, headers: auth })).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3).every((s) => s === 400)).toBe(true);
    // The served Patient does carry the name: what we look for below is really at hand.
    const served = await rawRequest(node, { path: '/fhir/demoziekenhuis/48/Patient', headers: auth });
    expect(served.body).toContain(patient.names[0]);
    // The token in a wrong place, and a refresh.
    await rawRequest(node, { path: `/fhir/demoziekenhuis/48/Condition?access_token=${access}` });
    if (refresh) {
      const session = new HttpSession(target);
      try {
        const refreshed = await session.token({ grant_type: 'refresh_token', refresh_token: refresh, client_id: CLIENT.clientId });
        expect(refreshed.status).toBe(200);
        secrets.push(String(refreshed.json['access_token']), String(refreshed.json['refresh_token']));
        // A replay of the code (which revokes what it issued): refused, and the refusal is logged too.
        const replay = await session.token({ grant_type: 'authorization_code', code, redirect_uri: CLIENT.redirectUri, client_id: CLIENT.clientId });
        expect(replay.status).toBe(400);
      } finally {
        await session.close();
      }
    }
  }

  // Hostile input that carries a BSN into the error paths (body parser, path decoding).
  const patientRaw = { url: gw.urls.patient, ca: target.ca };
  const bsn = PATIENTS[0]!.bsn;
  const errors = [
    await rawRequest(patientRaw, { method: 'POST', path: '/interaction/AAAAAAAAAAAAAAAAAAAAA/login', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: `bsn=${bsn.repeat(500)}` }),
    await rawRequest(patientRaw, { method: 'POST', path: '/interaction/AAAAAAAAAAAAAAAAAAAAA/login', headers: [['Content-Type', 'application/x-www-form-urlencoded; charset=x-' + bsn]], body: `bsn=${bsn}` }),
    await rawRequest(patientRaw, { path: `/interaction/%zz${bsn}` }),
    await rawRequest(node, { path: `/fhir/demoziekenhuis/48/Patient/%zz${bsn}` }),
  ];
  expect(errors.map((e) => e.status)).toEqual([413, 415, 400, 401]); // the last: tokens were revoked by the code replay
  for (const e of errors) expect(e.body).not.toContain(bsn);

  const log = lines.join('');
  const trail = JSON.stringify(gw.audit.events);
  expect(lines.length).toBeGreaterThan(30); // the log did record the flow
  expect(log).toMatch(/"msg":"request"/);
  for (const [name, text] of [['log', log], ['audit', trail]] as const) {
    for (const p of PATIENTS) {
      expect({ name, bsn: text.includes(p.bsn) }).toEqual({ name, bsn: false });
      for (const n of p.names) expect({ name, patientName: text.includes(n) }).toEqual({ name, patientName: false });
    }
    for (const s of secrets) expect({ name, secret: s.length > 10 && text.includes(s) }).toEqual({ name, secret: false });
  }
});

test('the audit still says who asked what for whom', () => {
  const served = gw.audit.ofType('send_resource_response');
  expect(served.length).toBeGreaterThanOrEqual(6);
  for (const e of served) {
    expect(e).toMatchObject({ clientId: 'pgo.listed.test', peerHost: 'pgo.listed.test', outcome: 'success' });
    expect(e.patientRef).toMatch(/^demo-patient-/);
    expect(e.resourceType).toMatch(/^[A-Z][A-Za-z]+$/);
  }
  expect(new Set(served.map((e) => e.patientRef)).size).toBe(2);
});
