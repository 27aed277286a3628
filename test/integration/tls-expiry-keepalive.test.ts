import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import https from 'node:https';
import { createTestPki, type TestPki } from '../helpers/certs.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Issue 9, finding 7: a client certificate that expires while its keep-alive connection stays
 * open kept working (requests served 17 s after expiry). The per-request check now looks at the
 * certificate's validity as well as the Whitelist: the first request after expiry, on the SAME
 * socket, gets no answer and the connection is closed; the audit log says `expired`.
 */
let pki: TestPki;
let gw: TestGateway;

beforeAll(async () => {
  pki = await createTestPki();
  gw = await startTestGateway({ certsDir: pki.dir });
});
afterAll(async () => {
  await gw?.close();
  await pki?.cleanup();
});

interface Answer {
  readonly status?: number;
  readonly error?: string;
  readonly reusedSocket: boolean;
}

function get(agent: https.Agent, url: string): Promise<Answer> {
  return new Promise((resolve) => {
    const req = https.get(url, { agent, ca: pki.ca.cert }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, reusedSocket: req.reusedSocket }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message, reusedSocket: req.reusedSocket }));
  });
}

describe('certificate validity on every request of a keep-alive connection', () => {
  it('serves the PGO while its certificate is valid and refuses the first request after it expired, on the same socket', async () => {
    const lifetimeMs = 3000;
    const shortLived = await pki.issue('pgo-short-lived', { notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + lifetimeMs) });
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, cert: shortLived.cert, key: shortLived.key, ca: pki.ca.cert });
    const url = `${gw.urls.node}/fhir/demoziekenhuis/48/metadata`;
    try {
      const before = await get(agent, url);
      expect(before).toMatchObject({ status: 200, reusedSocket: false });
      const again = await get(agent, url);
      expect(again).toMatchObject({ status: 200, reusedSocket: true });

      // X.509 notAfter has one-second resolution: wait until it has surely passed.
      await new Promise((r) => setTimeout(r, lifetimeMs + 1500));
      const after = await get(agent, url);
      expect(after.reusedSocket).toBe(true);
      expect(after.status).toBeUndefined();
      expect(after.error).toMatch(/ECONNRESET|socket hang up/);
      const refusal = gw.audit.events.filter((e) => e.type === 'tls_connection_refused').at(-1);
      expect(refusal).toMatchObject({ reason: 'expired', peerHost: pki.listedHost, detail: 'per_request' });
    } finally {
      agent.destroy();
    }
  }, 20_000);
});
