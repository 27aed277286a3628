import { constants } from 'node:crypto';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { Whitelist } from '../../gateway/lists/types.js';
import { createWhitelist } from '../../gateway/tls/index.js';
import { peerCertificateInSession } from '../../gateway/tls/peer-certificate-in-session.js';
import { createTestPki, type TestPki } from '../helpers/certs.js';
import { requestOnce, startNodeServer, type ClientResult, type NodeServer } from './tls-harness.js';

/**
 * Resumed TLS sessions skip certificate verification. What Node reports on the server for a
 * resumed session (found with the probe below, OpenSSL 3 in Node 20): isSessionReused() true,
 * getPeerX509Certificate() the certificate of the FIRST handshake, and `authorized` /
 * `authorizationError` the verify result stored with the session at that first handshake, for
 * TLS 1.2 session ids, TLS 1.2 tickets and TLS 1.3 PSK tickets alike. So a session that was good
 * once keeps saying "authorized" after its certificate expired or its CA was dropped; the guard
 * must check again, and these tests prove that it does.
 */

interface Probe {
  reused: boolean;
  authorized: boolean;
  fingerprint?: string;
  /** The guard's fast read (the certificate in the session) against the documented API. */
  fromSession?: string;
  fromPeerCertificate?: string;
}

let pki: TestPki;
let node: NodeServer;
let whitelist: Whitelist | undefined;
let clock: Date | undefined;
const probes: Probe[] = [];
const sessionCache = new Map<string, Buffer>();
/** Resumptions served from the server's session-id cache. */
let idLookups = 0;

beforeAll(async () => {
  pki = await createTestPki();
  const caFile = path.join(pki.dir, 'rotating-ca.crt');
  await copyFile(pki.ca.certFile, caFile);
  node = await startNodeServer(pki, { whitelist: () => whitelist, now: () => clock ?? new Date(), caFile });
  // TLS 1.2 session-id resumption needs a server-side cache (Node has no internal one).
  node.server.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
    sessionCache.set(id.toString('hex'), data);
    done();
  });
  node.server.on('resumeSession', (id: Buffer, done: (err: Error | null, data: Buffer | null) => void) => {
    const data = sessionCache.get(id.toString('hex'));
    if (data) idLookups++;
    done(null, data ?? null);
  });
  // Runs before the guard (prepended after it), so it sees the socket before any destroy.
  node.server.prependListener('secureConnection', (s: TLSSocket) => {
    const fingerprint = s.getPeerX509Certificate()?.fingerprint256;
    const fromSession = peerCertificateInSession(s.getSession())?.toString('base64');
    const fromPeerCertificate = (s.getPeerCertificate() as { raw?: Buffer }).raw?.toString('base64');
    probes.push({
      reused: s.isSessionReused(),
      authorized: s.authorized,
      ...(fingerprint ? { fingerprint } : {}),
      ...(fromSession ? { fromSession } : {}),
      ...(fromPeerCertificate ? { fromPeerCertificate } : {}),
    });
  });
});

afterAll(async () => {
  await node.close();
  await pki.cleanup();
});

beforeEach(async () => {
  whitelist = createWhitelist([pki.listedHost]);
  clock = undefined;
  probes.length = 0;
  idLookups = 0;
  node.audit.events.length = 0;
  await copyFile(pki.ca.certFile, path.join(pki.dir, 'rotating-ca.crt'));
  await node.material.reload();
});

const modes = [
  { name: 'TLS 1.2 session id', maxVersion: 'TLSv1.2', noTicket: true },
  { name: 'TLS 1.2 session ticket', maxVersion: 'TLSv1.2', noTicket: false },
  { name: 'TLS 1.3 PSK ticket', maxVersion: 'TLSv1.3', noTicket: false },
] as const;

type Mode = (typeof modes)[number];

async function connect(mode: Mode, session?: Buffer): Promise<ClientResult> {
  return requestOnce(node.port, {
    client: pki.pgoListed,
    ca: pki.ca.cert,
    maxVersion: mode.maxVersion,
    minVersion: mode.maxVersion,
    ...(session ? { session } : {}),
    // A client that does not offer tickets makes the server fall back to session ids.
    ...(mode.noTicket ? { secureOptions: constants.SSL_OP_NO_TICKET } : {}),
  });
}

async function firstSession(mode: Mode): Promise<Buffer> {
  const first = await connect(mode);
  expect(first.status).toBe(200);
  expect(first.reused).toBe(false);
  expect(first.session).toBeDefined();
  return first.session as Buffer;
}

const refusals = () => node.audit.ofType('tls_connection_refused');

describe.each(modes)('$name', (mode) => {
  test('a listed peer resumes and is accepted; the server reports the stored certificate and verdict', async () => {
    const session = await firstSession(mode);
    const again = await connect(mode, session);
    expect(again.reused).toBe(true);
    expect(again.status).toBe(200);
    expect(probes.map((p) => p.reused)).toEqual([false, true]);
    expect(probes[1]?.authorized).toBe(true);
    expect(probes[1]?.fingerprint).toBe(probes[0]?.fingerprint);
    expect(refusals()).toHaveLength(0);
    // Proves which mechanism resumed: only in session-id mode does the id cache serve the session.
    expect(idLookups > 0).toBe(mode.noTicket);
  });

  test('the certificate the guard reads from the session is the one getPeerCertificate() reports, full and resumed', async () => {
    const session = await firstSession(mode);
    expect((await connect(mode, session)).reused).toBe(true);
    expect(probes).toHaveLength(2);
    for (const probe of probes) {
      expect(probe.fromPeerCertificate).toBeDefined();
      expect(probe.fromSession).toBe(probe.fromPeerCertificate);
    }
  });

  test('a host removed from the whitelist while holding a session is refused on resumption', async () => {
    const session = await firstSession(mode);
    whitelist = createWhitelist(['someone.else.test']);
    const again = await connect(mode, session);
    expect(again.reused).toBe(true);
    expect(again.status).toBeUndefined();
    expect(refusals()).toEqual([expect.objectContaining({ reason: 'not_whitelisted', peerHost: pki.listedHost })]);
  });

  test('a certificate that expired since the first handshake is refused on resumption, though Node says authorized', async () => {
    const session = await firstSession(mode);
    clock = new Date(Date.now() + 3 * 365 * 86_400_000); // past the 2-year dev leaf
    const again = await connect(mode, session);
    expect(again.reused).toBe(true);
    expect(again.status).toBeUndefined();
    expect(probes[1]).toEqual(expect.objectContaining({ reused: true, authorized: true }));
    expect(refusals()).toEqual([expect.objectContaining({ reason: 'expired', detail: 'resumed_session' })]);
  });
});

test('after the client CA is replaced (reload), a session from the old CA is refused as untrusted on resumption', async () => {
  const mode = modes[2];
  const session = await firstSession(mode);
  await copyFile(pki.otherCa.certFile, path.join(pki.dir, 'rotating-ca.crt'));
  expect(await node.material.reload()).toBe('reloaded');
  const again = await connect(mode, session);
  // The ticket keys survive the reload, so the client really resumes; Node still says authorized.
  expect(again.reused).toBe(true);
  expect(probes[1]).toEqual(expect.objectContaining({ reused: true, authorized: true }));
  expect(again.status).toBeUndefined();
  expect(refusals()).toEqual([expect.objectContaining({ reason: 'untrusted', detail: 'resumed_session' })]);
});
