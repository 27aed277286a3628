import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Agent, request } from 'undici';
import { oauthSection, type OAuthConfig } from '../../gateway/config/sections/oauth.js';
import { configFields } from '../../gateway/config/sections/config-fields.js';
import type { Gegevensdienstnamenlijst, OAuthClientList } from '../../gateway/lists/types.js';
import { MemoryAuditLog } from '../../gateway/observability/audit.js';
import { createLogger, createSilentLogger } from '../../gateway/observability/logger.js';
import { createAuthorizationServer, type AuthorizationServer, type ServedProvider } from '../../gateway/oauth/index.js';
import { MemoryStore } from '../../gateway/storage/memory-store.js';
import type { KeyValueStore } from '../../gateway/storage/key-value-store.js';
import { createWhitelist, guardConnections, peerOf } from '../../gateway/tls/index.js';
import { createTestPki, type TestPki } from './certs.js';

/** Two BSNs that pass the eleven test: one the test EHR knows, one it does not. */
export const KNOWN_BSN = '111222333';
export const UNKNOWN_BSN = '123456782';
export const KNOWN_PATIENT_REF = 'Patient/ehr-4711';
/** A valid BSN for which the test EHR's availability check throws (technical failure). */
export const FAILING_BSN = '999999990';

export const TEST_PROVIDERS: readonly ServedProvider[] = [
  { name: 'demoziekenhuis', displayName: 'Demo Ziekenhuis', supportPhone: '088 123 45 67', services: [{ id: '48' }, { id: '49' }] },
];
export const OTHER_CLIENT = 'pgo.other.test';

export function testClientList(hostnames: ReadonlyArray<readonly [string, string]>): OAuthClientList {
  const clients = hostnames.map(([hostname, organisationName]) => ({ hostname, organisationName }));
  return {
    kind: 'oauthClientList',
    publishedAt: new Date(),
    volgnummer: 1,
    clients,
    byHostname: (h) => clients.find((c) => c.hostname === h.toLowerCase()),
  };
}

export const TEST_SERVICE_NAMES: Gegevensdienstnamenlijst = {
  kind: 'gegevensdienstnamenlijst',
  publishedAt: new Date(),
  volgnummer: 1,
  services: [
    { id: '48', displayName: 'Basisgegevens Zorg' },
    { id: '49', displayName: 'Medicatiegegevens' },
  ],
  byId(id) {
    return this.services.find((s) => s.id === id);
  },
};

export function testOAuthConfig(overrides: Record<string, unknown> = {}): OAuthConfig {
  return oauthSection(configFields(process.cwd())).parse(overrides);
}

export interface OAuthTestEnv {
  readonly pki: TestPki;
  readonly patientUrl: string;
  readonly nodeUrl: string;
  readonly audit: MemoryAuditLog;
  readonly server: AuthorizationServer;
  /** Replace to change the OAuth client list in force (undefined = none in force). */
  ocl: OAuthClientList | undefined;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly availabilityCalls: Array<{ providerName: string; serviceIds: readonly string[] }>;
  /** Target for obtainToken / HttpSession: TLS material of the listed PGO. */
  readonly target: TokenTarget;
  close(): Promise<void>;
}

/**
 * The authorization server on two real HTTPS listeners on 127.0.0.1:0: the patient listener
 * (server TLS only) and the node listener (requestCert + the whitelist guard of gateway/tls).
 */
export async function startOAuthTestEnv(options: {
  pki?: TestPki;
  store?: KeyValueStore;
  oauth?: Record<string, unknown>;
  mode?: 'development' | 'test' | 'production';
  checkAvailability?: (bsn: string) => Promise<{ patientRef: string; serviceIds: readonly string[] } | undefined>;
} = {}): Promise<OAuthTestEnv> {
  const pki = options.pki ?? (await createTestPki());
  const ownPki = options.pki === undefined;
  const store = options.store ?? new MemoryStore();
  const audit = new MemoryAuditLog();
  const availabilityCalls: OAuthTestEnv['availabilityCalls'] = [];

  const patientApp = express();
  const nodeApp = express();
  const patientServer = https.createServer({ key: pki.gateway.key, cert: pki.gateway.cert }, patientApp);
  const nodeServer = https.createServer({ key: pki.gateway.key, cert: pki.gateway.cert, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: true }, nodeApp);
  const trusted = [new X509Certificate(pki.ca.cert)];
  // The real clock, even when a test fakes Date to jump months ahead.
  const realNow = () => new Date(performance.timeOrigin + performance.now());
  const unguard = guardConnections(nodeServer, { currentWhitelist: () => createWhitelist([pki.listedHost]), audit, log: createSilentLogger(), trustedCa: () => trusted, now: realNow });
  await Promise.all([listen(patientServer), listen(nodeServer)]);
  const patientUrl = `https://127.0.0.1:${(patientServer.address() as AddressInfo).port}`;
  const nodeUrl = `https://127.0.0.1:${(nodeServer.address() as AddressInfo).port}`;

  const env = {
    ocl: testClientList([
      [pki.listedHost, 'Test PGO'],
      [OTHER_CLIENT, 'Andere PGO'],
    ]) as OAuthClientList | undefined,
  };
  const server = await createAuthorizationServer({
    oauth: testOAuthConfig(options.oauth),
    mode: options.mode ?? 'test',
    patientPublicUrl: patientUrl,
    nodePublicUrl: nodeUrl,
    providers: TEST_PROVIDERS,
    currentOAuthClientList: () => env.ocl,
    currentServiceNames: () => TEST_SERVICE_NAMES,
    store,
    checkAvailability: async (providerName, serviceIds, bsn) => {
      availabilityCalls.push({ providerName, serviceIds });
      if (options.checkAvailability) return options.checkAvailability(bsn);
      if (bsn === FAILING_BSN) throw new Error('EHR unreachable');
      return bsn === KNOWN_BSN ? { patientRef: KNOWN_PATIENT_REF, serviceIds } : undefined;
    },
    peerOf,
    audit,
    log: process.env.OAUTH_TEST_LOG ? createLogger({ level: 'debug' }) : createSilentLogger(),
  });
  patientApp.use(server.patientRouter);
  nodeApp.use(server.nodeRouter);

  const redirectUri = `https://${pki.listedHost}/medmij/callback`;
  const target: TokenTarget = { patientUrl, nodeUrl, ca: pki.ca.cert, clientCert: pki.pgoListed.cert, clientKey: pki.pgoListed.key };
  return Object.assign(env, {
    pki,
    patientUrl,
    nodeUrl,
    audit,
    server,
    clientId: pki.listedHost,
    redirectUri,
    availabilityCalls,
    target,
    async close() {
      unguard();
      await server.close();
      patientServer.closeAllConnections();
      nodeServer.closeAllConnections();
      await Promise.all([close(patientServer), close(nodeServer)]);
      if (options.store === undefined) await store.close();
      if (ownPki) await pki.cleanup();
    },
  });
}

function listen(server: https.Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
}

function close(server: https.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Where and with what TLS material a PGO reaches the gateway. */
export interface TokenTarget {
  readonly patientUrl: string;
  readonly nodeUrl: string;
  /** Trust anchor for the gateway's server certificate. */
  readonly ca: string;
  /** The PGO's whitelisted client certificate for the node listener. */
  readonly clientCert: string;
  readonly clientKey: string;
}

export interface HttpAnswer {
  readonly status: number;
  readonly location?: string;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

/**
 * A browser stand-in: one cookie jar, no automatic redirects (tests look at each hop). Cookies are
 * kept by name only, which is enough for one flow at a time.
 */
export class HttpSession {
  private readonly cookies = new Map<string, string>();
  private readonly patientAgent: Agent;
  private readonly nodeAgent: Agent;

  constructor(readonly target: TokenTarget, options: { clientCert?: string; clientKey?: string } = {}) {
    this.patientAgent = new Agent({ connect: { ca: target.ca } });
    this.nodeAgent = new Agent({ connect: { ca: target.ca, cert: options.clientCert ?? target.clientCert, key: options.clientKey ?? target.clientKey } });
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    return this.send('GET', this.absolute(url), undefined, headers);
  }

  async postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    return this.send('POST', this.absolute(url), new URLSearchParams(form).toString(), { 'content-type': 'application/x-www-form-urlencoded', ...headers });
  }

  /** POST to the node listener's token endpoint with the client certificate. */
  async token(form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown>; headers: HttpAnswer['headers'] }> {
    const res = await request(`${this.target.nodeUrl}/oauth/token`, {
      method: 'POST',
      dispatcher: this.nodeAgent,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'medmij-request-id': crypto.randomUUID(), ...headers },
      body: new URLSearchParams(form).toString(),
    });
    const text = await res.body.text();
    return { status: res.statusCode, json: JSON.parse(text) as Record<string, unknown>, headers: res.headers };
  }

  async close(): Promise<void> {
    await Promise.all([this.patientAgent.close(), this.nodeAgent.close()]);
  }

  private absolute(url: string): string {
    return new URL(url, this.target.patientUrl).href;
  }

  private async send(method: string, url: string, body: string | undefined, headers: Record<string, string>): Promise<HttpAnswer> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await request(url, {
      method,
      dispatcher: this.patientAgent,
      headers: { ...(cookie ? { cookie } : {}), ...headers },
      ...(body !== undefined ? { body } : {}),
    });
    const setCookie = res.headers['set-cookie'];
    for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const location = res.headers.location;
    return {
      status: res.statusCode,
      body: await res.body.text(),
      headers: res.headers,
      ...(typeof location === 'string' ? { location: new URL(location, url).href } : {}),
    };
  }
}

export interface FlowOptions {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope?: string;
  readonly bsn?: string;
  readonly longTerm?: boolean;
  readonly state?: string;
  readonly sessionId?: string;
  readonly codeChallenge?: string;
}

export function authorizeUrl(target: TokenTarget, o: FlowOptions): string {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: o.clientId,
    redirect_uri: o.redirectUri,
    scope: o.scope ?? TEST_PROVIDERS[0]!.name,
    state: o.state ?? 'state-' + crypto.randomUUID(),
    'MedMij-Request-ID': crypto.randomUUID(),
    'X-Correlation-ID': o.sessionId ?? crypto.randomUUID(),
  });
  if (o.codeChallenge) {
    q.set('code_challenge', o.codeChallenge);
    q.set('code_challenge_method', 'S256');
  }
  return `${target.patientUrl}/oauth/authorize?${q.toString()}`;
}

function expectStatus(answer: HttpAnswer, status: number, step: string): void {
  if (answer.status !== status) throw new Error(`${step}: expected ${status}, got ${answer.status} ${answer.location ?? answer.body.slice(0, 200)}`);
}

/**
 * Runs landing → DigiD simulator → consent over HTTP and returns the redirect back to the PGO
 * (with `code` and `state`). Throws on any unexpected hop.
 */
export async function authorizeWithoutBrowser(session: HttpSession, o: FlowOptions): Promise<URL> {
  const start = await session.get(authorizeUrl(session.target, o));
  expectStatus(start, 303, 'authorize');
  const landing = await session.get(start.location!);
  expectStatus(landing, 200, 'landing');
  const loginForm = await session.get(`${start.location!}/login`);
  expectStatus(loginForm, 200, 'login form');
  const login = await session.postForm(`${start.location!}/login`, { bsn: o.bsn ?? KNOWN_BSN });
  expectStatus(login, 303, 'login');
  const consentPage = await session.get(login.location!);
  expectStatus(consentPage, 200, 'consent page');
  const consent = await session.postForm(login.location!, { decision: 'allow', ...(o.longTerm ? { longTerm: 'yes' } : {}) });
  expectStatus(consent, 303, 'consent');
  const resume = await session.get(consent.location!);
  expectStatus(resume, 303, 'resume');
  return new URL(resume.location!);
}

/**
 * A real token through the whole MedMij flow without a browser: for FHIR and other tests.
 * `target` holds the listener URLs and the PGO's TLS material (see OAuthTestEnv.target).
 */
export async function obtainToken(
  target: TokenTarget,
  o: FlowOptions,
): Promise<{ access_token: string; token_type: string; expires_in: number; scope: string; refresh_token?: string; sessionId: string }> {
  const session = new HttpSession(target);
  const sessionId = o.sessionId ?? crypto.randomUUID();
  try {
    const back = await authorizeWithoutBrowser(session, { ...o, sessionId });
    const code = back.searchParams.get('code');
    if (!code) throw new Error(`no code in redirect: ${back.search}`);
    const res = await session.token({ grant_type: 'authorization_code', code, redirect_uri: o.redirectUri, client_id: o.clientId }, { 'x-correlation-id': sessionId });
    if (res.status !== 200) throw new Error(`token: ${res.status} ${JSON.stringify(res.json)}`);
    return { ...(res.json as { access_token: string; token_type: string; expires_in: number; scope: string; refresh_token?: string }), sessionId };
  } finally {
    await session.close();
  }
}
