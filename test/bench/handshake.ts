import https from 'node:https';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { MemoryAuditLog } from '../../gateway/observability/audit.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { createNodeTlsOptions, createReloadableTlsMaterial, createWhitelist, guardConnections } from '../../gateway/tls/index.js';
import { createTestPki, type TestPki } from '../helpers/certs.js';

/** Small fixed concurrency: enough to keep both ends busy on a shared 2-core machine. */
const CONCURRENCY = 4;
/** Hard caps, so a round stops by itself even if the clock or a peer misbehaves. */
const MAX_HANDSHAKES = 200_000;
const SOCKET_TIMEOUT_MS = 5000;

/**
 * Full (never resumed) mTLS handshakes plus one tiny HTTP exchange each, against a node-interface
 * server on 127.0.0.1 with the dev certificates, with or without the whitelist guard. The lead's
 * `npm run bench` compares guard on vs off. Pass `pki` to reuse one PKI over several rounds (the
 * caller then cleans it up), so rounds differ only in the guard.
 */
export async function benchHandshakes(opts: { durationMs: number; guard: boolean; pki?: TestPki }): Promise<{ handshakesPerSecond: number; count: number }> {
  const pki = opts.pki ?? (await createTestPki());
  const log = createSilentLogger();
  const audit = new MemoryAuditLog();
  const material = createReloadableTlsMaterial({ certFile: pki.gateway.certFile, keyFile: pki.gateway.keyFile, caFile: pki.ca.certFile, watch: false, log });
  const server = https.createServer(createNodeTlsOptions(material.current(), { minVersion: 'TLSv1.2' }), (_req, res) => res.end('ok'));
  if (opts.guard) {
    const whitelist = createWhitelist([pki.listedHost, ...Array.from({ length: 500 }, (_, i) => `pgo${i}.example.test`)]);
    guardConnections(server, { currentWhitelist: () => whitelist, audit, log, trustedCa: material.trustedCa });
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  const once = () =>
    new Promise<boolean>((resolve) => {
      // No `session` option: every connection is a full handshake.
      const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.ca.cert, cert: pki.pgoListed.cert, key: pki.pgoListed.key });
      let answered = false;
      s.setTimeout(SOCKET_TIMEOUT_MS, () => s.destroy());
      s.on('secureConnect', () => s.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
      s.on('data', (d: Buffer) => {
        if (d.toString('latin1').startsWith('HTTP/1.1 200')) answered = true;
      });
      s.on('error', () => undefined);
      s.on('close', () => resolve(answered));
    });

  let count = 0;
  let failures = 0;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + opts.durationMs;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < deadline && count + failures < MAX_HANDSHAKES) {
        if (await once()) count++;
        else failures++;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  material.close();
  if (!opts.pki) await pki.cleanup();
  if (failures > 0 || audit.events.length > 0) throw new Error(`bench: ${failures} handshakes failed, ${audit.events.length} refused`);
  return { handshakesPerSecond: count / seconds, count };
}
