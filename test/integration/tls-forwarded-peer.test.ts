import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Whitelist } from '../../gateway/lists/types.js';
import { MemoryAuditLog } from '../../gateway/observability/audit.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { createCertificateVerifier, createReloadableTlsMaterial, createWhitelist, peerOf, requireForwardedPeer } from '../../gateway/tls/index.js';
import { createTestPki, type TestPki } from '../helpers/certs.js';

/** The node interface behind a TLS-terminating proxy (config tls.trustedProxy, off by default). */

const HEADER = 'x-ssl-client-cert';
let pki: TestPki;
let whitelist: Whitelist | undefined;
const audit = new MemoryAuditLog();
let handled = 0;
const servers: http.Server[] = [];

async function startApp(trustedAddresses: string[]): Promise<number> {
  const log = createSilentLogger();
  const material = createReloadableTlsMaterial({ certFile: pki.gateway.certFile, keyFile: pki.gateway.keyFile, caFile: pki.ca.certFile, watch: false, log });
  const app = express();
  app.use(
    requireForwardedPeer({
      trustedAddresses,
      header: HEADER,
      currentWhitelist: () => whitelist,
      verifyCert: createCertificateVerifier({ trustedCa: material.trustedCa }),
      audit,
      log,
    }),
  );
  app.get('/', (req, res) => {
    handled++;
    res.json(peerOf(req) ?? null);
  });
  const server = http.createServer(app);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

function get(port: number, headers: Record<string, string>): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
  });
}

let trustedPort: number;
let untrustedPort: number;

beforeAll(async () => {
  pki = await createTestPki();
  trustedPort = await startApp(['::ffff:127.0.0.1', '10.1.2.3']); // IPv4-mapped form on purpose
  untrustedPort = await startApp(['10.1.2.3']);
});

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await pki.cleanup();
});

beforeEach(() => {
  whitelist = createWhitelist([pki.listedHost]);
  audit.events.length = 0;
  handled = 0;
});

const forward = (pem: string) => ({ [HEADER]: encodeURIComponent(pem) });

test('a trusted proxy address with a good, listed certificate passes; peerOf says via proxy', async () => {
  const r = await get(trustedPort, forward(pki.pgoListed.cert));
  expect(r.status).toBe(200);
  const peer = JSON.parse(r.body ?? 'null') as { via: string; hostnames: string[]; commonName: string };
  expect(peer).toMatchObject({ via: 'proxy', hostnames: [pki.listedHost], commonName: pki.listedHost });
  expect(audit.events).toHaveLength(0);
});

test('the same header from an untrusted address is refused: connection destroyed, no HTTP answer', async () => {
  const r = await get(untrustedPort, forward(pki.pgoListed.cert));
  expect(r.status).toBeUndefined();
  expect(r.error).toMatch(/ECONNRESET|socket hang up/);
  expect(handled).toBe(0);
  expect(audit.ofType('tls_connection_refused')).toEqual([
    expect.objectContaining({ outcome: 'refused', reason: 'untrusted', detail: 'forwarded_cert_from_untrusted_address', peerAddress: '127.0.0.1' }),
  ]);
});

test('no header at all from an untrusted address (and no TLS peer) is refused with no_certificate', async () => {
  const r = await get(untrustedPort, {});
  expect(r.status).toBeUndefined();
  expect(audit.events).toEqual([expect.objectContaining({ reason: 'no_certificate' })]);
});

test.each([
  ['a missing header', () => ({}), 'no_certificate'],
  ['an empty header', () => ({ [HEADER]: '' }), 'no_certificate'],
  ['a header that is not a certificate', () => ({ [HEADER]: encodeURIComponent('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----') }), 'untrusted'],
  ['a header with broken URL-encoding', () => ({ [HEADER]: '%E0%A4%A' }), 'untrusted'],
  ['two certificates in one header', () => forward(pki.pgoListed.cert + pki.pgoListed.cert), 'untrusted'],
  ['a certificate from another CA', () => forward(pki.pgoOtherCa.cert), 'untrusted'],
  ['an expired certificate', () => forward(pki.pgoExpired.cert), 'expired'],
  ['an unlisted host', () => forward(pki.pgoUnlisted.cert), 'not_whitelisted'],
])('from the trusted address, %s is refused with %s', async (_label, headers, reason) => {
  const r = await get(trustedPort, headers());
  expect(r.status).toBeUndefined();
  expect(handled).toBe(0);
  expect(audit.ofType('tls_connection_refused')).toEqual([expect.objectContaining({ reason, peerAddress: '127.0.0.1' })]);
});

test('no whitelist in force refuses a good forwarded certificate with no_whitelist', async () => {
  whitelist = undefined;
  const r = await get(trustedPort, forward(pki.pgoListed.cert));
  expect(r.status).toBeUndefined();
  expect(audit.events).toEqual([expect.objectContaining({ reason: 'no_whitelist', peerHost: pki.listedHost })]);
});
