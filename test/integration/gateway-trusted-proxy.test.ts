import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * The node interface behind a TLS-terminating proxy (tls.trustedProxy, off by default): the
 * gateway no longer asks for a client certificate and takes the PGO's certificate from a header,
 * but only on connections from the configured proxy addresses, checked like a handshake would be.
 * This test plays the proxy from 127.0.0.1; refusals from untrusted addresses are covered by
 * tls-forwarded-peer.test.ts.
 */
let gw: TestGateway;
let ca: string;
let listedPem: string;
let unlistedPem: string;

beforeAll(async () => {
  gw = await startTestGateway({
    tlsYaml: '  trustedProxy: { enabled: true, addresses: ["127.0.0.1"], clientCertHeader: x-ssl-client-cert }',
  });
  ca = await readFile(gw.pki.caCert, 'utf8');
  listedPem = await readFile(gw.pki.pgoListedCert, 'utf8');
  unlistedPem = await readFile(gw.pki.pgoUnlistedCert, 'utf8');
});

afterAll(async () => {
  await gw?.close();
});

function metadata(host: string, header?: string): Promise<number> {
  const url = new URL(`${gw.urls.node}/fhir/demoziekenhuis/48/metadata`);
  return new Promise((resolve, reject) => {
    const req = https.get(
      { host, port: url.port, path: url.pathname, ca, servername: 'localhost', agent: false, headers: header ? { 'x-ssl-client-cert': header } : {} },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
  });
}

test('a forwarded whitelisted certificate from the trusted proxy address is served', async () => {
  expect(await metadata('127.0.0.1', encodeURIComponent(listedPem))).toBe(200);
});

test('no forwarded certificate, or an unlisted one, gets the connection closed with an audit record', async () => {
  await expect(metadata('127.0.0.1')).rejects.toThrow();
  await expect(metadata('127.0.0.1', encodeURIComponent(unlistedPem))).rejects.toThrow();
  const reasons = gw.audit.ofType('tls_connection_refused').map((e) => e.reason);
  expect(reasons).toEqual(expect.arrayContaining(['no_certificate', 'not_whitelisted']));
});
