import https from 'node:https';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createPatientTlsOptions, createWhitelist, hardenConnections, NCSC_GOOD_CIPHERS } from '../../gateway/tls/index.js';
import { createTestPki, type TestPki } from '../helpers/certs.js';
import { requestOnce, startNodeServer, type NodeServer } from './tls-harness.js';

/** NCSC TLS guidelines 2.1 "good" only (MedMij core.tls.301–304, digest §5.1). */

let pki: TestPki;
let node: NodeServer;
let lax: https.Server;
let laxPort: number;

beforeAll(async () => {
  pki = await createTestPki();
  node = await startNodeServer(pki, { whitelist: () => createWhitelist([pki.listedHost]) });
  // A control server with OpenSSL's permissive settings: proves the odd clients below CAN
  // connect somewhere, so their failure against the gateway comes from the gateway's policy.
  lax = https.createServer(
    { cert: pki.gateway.cert, key: pki.gateway.key, minVersion: 'TLSv1', ciphers: 'ALL:@SECLEVEL=0' },
    (_req, res) => res.end('lax'),
  );
  await new Promise<void>((r) => lax.listen(0, '127.0.0.1', r));
  laxPort = (lax.address() as AddressInfo).port;
});

afterAll(async () => {
  await node.close();
  lax.closeAllConnections();
  await new Promise((r) => lax.close(r));
  await pki.cleanup();
});

const tls11 = { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'ALL:@SECLEVEL=0' } as const;
const cbcOnly = { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA' } as const;

test('a client forcing TLS 1.1 fails the handshake (and reaches the lax control server)', async () => {
  const control = await requestOnce(laxPort, { ca: pki.ca.cert, ...tls11 });
  expect(control.protocol).toBe('TLSv1.1');
  expect(control.status).toBe(200);
  const r = await requestOnce(node.port, { client: pki.pgoListed, ca: pki.ca.cert, ...tls11 });
  expect(r.handshakeDone).toBe(false);
  expect(r.status).toBeUndefined();
  expect(r.error).toMatch(/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL/);
});

test('a TLS 1.2 client offering only CBC suites fails the handshake (and reaches the lax control server)', async () => {
  const control = await requestOnce(laxPort, { ca: pki.ca.cert, ...cbcOnly });
  expect(control.cipher).toMatch(/SHA(256|384)?$/);
  expect(control.status).toBe(200);
  const r = await requestOnce(node.port, { client: pki.pgoListed, ca: pki.ca.cert, ...cbcOnly });
  expect(r.handshakeDone).toBe(false);
  expect(r.status).toBeUndefined();
  expect(r.error).toMatch(/HANDSHAKE_FAILURE|NO_SHARED_CIPHER/);
});

test('defaults negotiate TLS 1.3; a TLS 1.2 client gets the server-preferred ECDHE-AES256-GCM suite', async () => {
  const r13 = await requestOnce(node.port, { client: pki.pgoListed, ca: pki.ca.cert });
  expect(r13.protocol).toBe('TLSv1.3');
  expect(r13.cipher).toBe('TLS_AES_256_GCM_SHA384');
  // Client prefers AES128 first; honorCipherOrder makes the server's order win.
  const r12 = await requestOnce(node.port, {
    client: pki.pgoListed,
    ca: pki.ca.cert,
    maxVersion: 'TLSv1.2',
    ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384',
  });
  expect(r12.protocol).toBe('TLSv1.2');
  expect(r12.cipher).toBe('ECDHE-ECDSA-AES256-GCM-SHA384');
  expect(NCSC_GOOD_CIPHERS.split(':')).toContain(r12.cipher);
  expect(r12.status).toBe(200);
});

test('minVersion TLSv1.3 (configurable) refuses a TLS 1.2 client', async () => {
  const strict = await startNodeServer(pki, { whitelist: () => createWhitelist([pki.listedHost]), policy: { minVersion: 'TLSv1.3' } });
  try {
    const r = await requestOnce(strict.port, { client: pki.pgoListed, ca: pki.ca.cert, maxVersion: 'TLSv1.2' });
    expect(r.handshakeDone).toBe(false);
    expect(r.error).toMatch(/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL/);
    const ok = await requestOnce(strict.port, { client: pki.pgoListed, ca: pki.ca.cert });
    expect(ok.status).toBe(200);
  } finally {
    await strict.close();
  }
});

/** Tries a client-initiated renegotiation; 'renegotiated' only if the server went along. */
function tryRenegotiate(port: number, client?: { cert: string; key: string }): Promise<string> {
  return new Promise<string>((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.ca.cert, ...(client ?? {}), maxVersion: 'TLSv1.2' });
    const finish = (outcome: string) => {
      resolve(outcome);
      s.destroy();
    };
    // The server answers with a no_renegotiation warning alert, which leaves the client waiting:
    // no new handshake within the window counts as refused.
    s.setTimeout(1500, () => finish('not renegotiated'));
    s.on('error', () => undefined);
    s.on('secureConnect', () => {
      const started = s.renegotiate({ rejectUnauthorized: true }, (err) => finish(err ? 'refused' : 'renegotiated'));
      if (!started) finish('refused');
    });
    s.on('close', () => finish('closed'));
  });
}

test('client-initiated renegotiation on TLS 1.2 is refused (the lax control server allows it)', async () => {
  expect(await tryRenegotiate(laxPort)).toBe('renegotiated');
  expect(await tryRenegotiate(node.port, pki.pgoListed)).not.toBe('renegotiated');
});

describe('patient interface', () => {
  let server: https.Server;
  let port: number;
  let peerCertSeen: boolean | undefined;
  beforeAll(async () => {
    const opts = createPatientTlsOptions({ cert: pki.gateway.cert, key: pki.gateway.key, ca: pki.ca.cert }, { minVersion: 'TLSv1.2' });
    server = https.createServer(opts, (req, res) => {
      peerCertSeen = (req.socket as tls.TLSSocket).getPeerX509Certificate() !== undefined;
      res.end('page');
    });
    hardenConnections(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test('serves without a client certificate and never asks for one', async () => {
    expect(createPatientTlsOptions({ cert: 'c', key: 'k' }, { minVersion: 'TLSv1.2' })).toMatchObject({ requestCert: false });
    const anonymous = await requestOnce(port, { ca: pki.ca.cert });
    expect(anonymous.status).toBe(200);
    // A client that holds a certificate only sends it when asked: the server never sees one.
    const withCert = await requestOnce(port, { ca: pki.ca.cert, client: pki.pgoListed });
    expect(withCert.status).toBe(200);
    expect(peerCertSeen).toBe(false);
  });

  test('has the same protocol policy: TLS 1.1 fails', async () => {
    const r = await requestOnce(port, { ca: pki.ca.cert, ...tls11 });
    expect(r.handshakeDone).toBe(false);
  });
});
