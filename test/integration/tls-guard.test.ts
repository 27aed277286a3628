import type { Whitelist } from '../../gateway/lists/types.js';
import { createWhitelist, isGuarded } from '../../gateway/tls/index.js';
import { createTestPki, type TestPki } from '../helpers/certs.js';
import { requestOnce, startNodeServer, type NodeServer } from './tls-harness.js';

let pki: TestPki;
let node: NodeServer;
let whitelist: Whitelist | undefined;
let handled = 0;

beforeAll(async () => {
  pki = await createTestPki();
  node = await startNodeServer(pki, { whitelist: () => whitelist });
  node.server.on('request', () => handled++);
});

afterAll(async () => {
  await node.close();
  await pki.cleanup();
});

beforeEach(() => {
  whitelist = createWhitelist([pki.listedHost, 'other.node.test']);
  node.audit.events.length = 0;
  node.seenPeers.length = 0;
  handled = 0;
});

const refusals = () => node.audit.ofType('tls_connection_refused');

test('the server is guarded', () => {
  expect(isGuarded(node.server)).toBe(true);
});

test('a whitelisted client certificate gets an HTTP answer and a PeerIdentity', async () => {
  const r = await requestOnce(node.port, { client: pki.pgoListed, ca: pki.ca.cert });
  expect(r.status).toBe(200);
  expect(r.body).toBe(`hello ${pki.listedHost}`);
  expect(refusals()).toHaveLength(0);
  const peer = node.seenPeers[0];
  expect(peer?.via).toBe('tls');
  expect(peer?.commonName).toBe(pki.listedHost);
  // RFC 8705 x5t#S256: base64url of SHA-256 over the DER.
  const { X509Certificate, createHash } = await import('node:crypto');
  const der = new X509Certificate(pki.pgoListed.cert).raw;
  expect(peer?.fingerprintSha256).toBe(createHash('sha256').update(der).digest('base64url'));
  expect(peer?.validTo.getTime()).toBe(Date.parse(new X509Certificate(pki.pgoListed.cert).validTo));
});

test('the host name matches case-insensitively (whitelist entry in capitals)', async () => {
  whitelist = createWhitelist([pki.listedHost.toUpperCase()]);
  const r = await requestOnce(node.port, { client: pki.pgoListed, ca: pki.ca.cert });
  expect(r.status).toBe(200);
});

test.each([
  ['an unlisted host', 'pgoUnlisted', 'not_whitelisted'],
  ['a certificate from another CA', 'pgoOtherCa', 'untrusted'],
  ['an expired certificate', 'pgoExpired', 'expired'],
] as const)('%s is refused at the TLS level with reason %s', async (_label, which, reason) => {
  const r = await requestOnce(node.port, { client: pki[which], ca: pki.ca.cert });
  expect(r.status).toBeUndefined();
  expect(r.body).toBeUndefined();
  expect(handled).toBe(0);
  expect(refusals()).toEqual([
    expect.objectContaining({ type: 'tls_connection_refused', outcome: 'refused', reason, peerAddress: '127.0.0.1' }),
  ]);
  const expectedHost = which === 'pgoUnlisted' ? pki.unlistedHost : pki.listedHost;
  expect(refusals()[0]?.peerHost).toBe(expectedHost);
});

test('no client certificate is refused with no_certificate', async () => {
  const r = await requestOnce(node.port, { ca: pki.ca.cert });
  expect(r.status).toBeUndefined();
  expect(handled).toBe(0);
  expect(refusals()).toEqual([expect.objectContaining({ reason: 'no_certificate', peerAddress: '127.0.0.1' })]);
  expect(refusals()[0]).not.toHaveProperty('peerHost');
});

test('no whitelist in force refuses even a listed peer with no_whitelist', async () => {
  whitelist = undefined;
  const r = await requestOnce(node.port, { client: pki.pgoListed, ca: pki.ca.cert });
  expect(r.status).toBeUndefined();
  expect(handled).toBe(0);
  expect(refusals()).toEqual([expect.objectContaining({ reason: 'no_whitelist', peerHost: pki.listedHost })]);
});

test('a listed host name only in a DNS SAN (CN differs) is accepted: CN or any SAN counts', async () => {
  const cert = await pki.issue('san-only', { subjectCn: 'some.cn.test', dnsNames: ['x.test', 'OTHER.node.test'] });
  const r = await requestOnce(node.port, { client: cert, ca: pki.ca.cert });
  expect(r.status).toBe(200);
  expect(node.seenPeers[0]?.hostnames).toEqual(['some.cn.test', 'x.test', 'other.node.test']);
});

test('a certificate without the clientAuth EKU is refused as untrusted (OpenSSL purpose check)', async () => {
  const cert = await pki.issue('server-only', { clientAuth: false });
  const r = await requestOnce(node.port, { client: cert, ca: pki.ca.cert });
  expect(r.status).toBeUndefined();
  expect(refusals()).toEqual([expect.objectContaining({ reason: 'untrusted', peerHost: pki.listedHost })]);
});

test('a certificate that is not yet valid is refused as expired (outside its validity)', async () => {
  const cert = await pki.issue('future', { notBefore: new Date(Date.now() + 86_400_000), notAfter: new Date(Date.now() + 2 * 86_400_000) });
  const r = await requestOnce(node.port, { client: cert, ca: pki.ca.cert });
  expect(r.status).toBeUndefined();
  expect(refusals()).toEqual([expect.objectContaining({ reason: 'expired', detail: 'CERT_NOT_YET_VALID' })]);
});

test('refused with TLS 1.2 as well (the check is not TLS 1.3 specific)', async () => {
  const r = await requestOnce(node.port, { client: pki.pgoUnlisted, ca: pki.ca.cert, maxVersion: 'TLSv1.2' });
  // The client may not even see the server's Finished: the guard destroys the socket as soon as
  // the server side is done, which on TLS 1.2 is before its Finished is necessarily flushed.
  expect(r.status).toBeUndefined();
  expect(r.error ?? 'closed').toMatch(/ECONNRESET|closed|socket disconnected|EPIPE/);
  expect(handled).toBe(0);
  expect(refusals()).toEqual([expect.objectContaining({ reason: 'not_whitelisted' })]);
});
