import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { oauthSection, type OAuthConfig } from '../../gateway/config/sections/oauth.js';
import { configFields } from '../../gateway/config/sections/config-fields.js';
import { pagesSection } from '../../gateway/config/sections/pages.js';
import type { Gegevensdienstnamenlijst, OAuthClientList } from '../../gateway/lists/types.js';
import { MemoryAuditLog } from '../../gateway/observability/audit.js';
import { createLogger, createSilentLogger } from '../../gateway/observability/logger.js';
import { createAuthorizationServer, type AuthorizationServer, type ServedProvider } from '../../gateway/oauth/index.js';
import { MemoryStore } from '../../gateway/storage/memory-store.js';
import type { KeyValueStore } from '../../gateway/storage/key-value-store.js';
import {
  authorizeWithSimulator,
  buildAuthorizationUrl,
  exchangeCode,
  hiddenFields,
  PgoSession,
  type HttpAnswer,
  type PgoTarget,
  type TokenResponse,
} from '../../gateway/pgo-client/index.js';
import { createWhitelist, guardConnections, peerCertificateOf, peerOf } from '../../gateway/tls/index.js';
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
  /** The `pages:` section (texts, branding) as YAML would give it; relative files resolve against the cwd. */
  pages?: Record<string, unknown>;
  mode?: 'development' | 'test' | 'production';
  checkAvailability?: (bsn: string) => Promise<{ patientRef: string; serviceIds: readonly string[] } | undefined>;
  /** The providers served (TEST_PROVIDERS by default), e.g. with a Delen service. */
  providers?: readonly ServedProvider[];
  /** Delen's acceptance check (none: every share refused, as the server's default). */
  checkShareAcceptance?: (bsn: string) => Promise<{ patientRef: string } | undefined>;
  /** Host names on the Whitelist in force; the listed PGO's alone by default. */
  whitelist?: readonly string[];
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
  const unguard = guardConnections(nodeServer, { currentWhitelist: () => createWhitelist(options.whitelist ?? [pki.listedHost]), audit, log: createSilentLogger(), trustedCa: () => trusted, now: realNow });
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
    ...(options.pages ? { pages: pagesSection(configFields(process.cwd())).parse(options.pages) } : {}),
    mode: options.mode ?? 'test',
    patientPublicUrl: patientUrl,
    nodePublicUrl: nodeUrl,
    providers: options.providers ?? TEST_PROVIDERS,
    ...(options.checkShareAcceptance ? { checkShareAcceptance: async (_p: string, _s: string, bsn: string) => options.checkShareAcceptance!(bsn) } : {}),
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
    peerCertificateOf,
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

/**
 * Where and with what TLS material a PGO reaches the gateway. The browser stand-in, the
 * authorization request, the DigiD-simulator walk and the code exchange are the reference PGO
 * client's own (gateway/pgo-client): the tests and `medmij-gateway pgo` share one implementation.
 */
export type TokenTarget = PgoTarget;
export type { HttpAnswer };

/** A browser stand-in with one cookie jar and no automatic redirects, plus the PGO's mTLS backchannel. */
export class HttpSession extends PgoSession {}

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
  return buildAuthorizationUrl({
    endpoint: `${target.patientUrl}/oauth/authorize`,
    clientId: o.clientId,
    redirectUri: o.redirectUri,
    scope: o.scope ?? TEST_PROVIDERS[0]!.name,
    state: o.state ?? 'state-' + crypto.randomUUID(),
    requestId: crypto.randomUUID(),
    sessionId: o.sessionId ?? crypto.randomUUID(),
    ...(o.codeChallenge ? { codeChallenge: o.codeChallenge } : {}),
  });
}

/**
 * Runs landing → DigiD simulator → consent over HTTP and returns the redirect back to the PGO
 * (with `code` and `state`). Throws on any unexpected hop, and when the flow ends in an OAuth error.
 */
export async function authorizeWithoutBrowser(session: HttpSession, o: FlowOptions): Promise<URL> {
  const back = await authorizeWithSimulator(session, authorizeUrl(session.target, o), { bsn: o.bsn ?? KNOWN_BSN, longTerm: o.longTerm ?? false });
  const error = back.searchParams.get('error');
  if (error !== null) throw new Error(`the flow ended in ${error}: ${back.searchParams.get('error_description') ?? ''}`);
  return back;
}

/**
 * A real token through the whole MedMij flow without a browser: for FHIR and other tests.
 * `target` holds the listener URLs and the PGO's TLS material (see OAuthTestEnv.target).
 */
export async function obtainToken(target: TokenTarget, o: FlowOptions): Promise<TokenResponse & { sessionId: string }> {
  const session = new HttpSession(target);
  const sessionId = o.sessionId ?? crypto.randomUUID();
  try {
    const back = await authorizeWithoutBrowser(session, { ...o, sessionId });
    const code = back.searchParams.get('code');
    if (!code) throw new Error(`no code in redirect: ${back.search}`);
    return { ...(await exchangeCode(session, { code, redirectUri: o.redirectUri, clientId: o.clientId, sessionId })), sessionId };
  } finally {
    await session.close();
  }
}

/**
 * The interaction's CSRF token, read from its landing page as a browser has it: every form post
 * on the patient interface must carry it (and the browser's Origin, which HttpSession sends).
 */
export async function csrfOf(session: HttpSession, interactionUrl: string): Promise<string> {
  const landing = await session.get(interactionUrl.replace(/\/(login|consent|cancelled|unavailable)(\?.*)?$/, ''));
  const token = hiddenFields(landing.body).csrf;
  if (!token) throw new Error(`no CSRF token on ${interactionUrl} (HTTP ${landing.status})`);
  return token;
}
