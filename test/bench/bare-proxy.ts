import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

/**
 * The reference hop of bench 2: a bare node:https server in a process of its own, with the
 * gateway's certificate and the same two-sided TLS, that answers every request with one call to
 * a fixed upstream URL over a keep-alive connection (undici), copying status, content type and
 * the whole body back. It does nothing a gateway must do beyond that (no token, no policy, no
 * parsing), so what it adds to the backend's own time is the cost of one more TLS hop and one
 * more HTTP call at the bench's rate on that machine; what the gateway adds beyond it is ours.
 * Input: one JSON argument; prints `{"port":N}` when listening; stops on SIGTERM.
 */
interface ProxyInput {
  readonly tls: { readonly cert: string; readonly key: string; readonly ca: string };
  /** Absolute URL every request is answered from. */
  readonly upstream: string;
}

const input = JSON.parse(process.argv[2] ?? '{}') as ProxyInput;
const upstream = new URL(input.upstream);
const pool = new Pool(upstream.origin, { connections: 4, keepAliveTimeout: 60_000 });
const upstreamPath = `${upstream.pathname}${upstream.search}`;

const server = https.createServer(
  { cert: readFileSync(input.tls.cert), key: readFileSync(input.tls.key), ca: readFileSync(input.tls.ca), requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
  (req, res) => {
    req.resume();
    pool
      .request({ path: upstreamPath, method: 'GET', headers: { accept: req.headers.accept ?? 'application/fhir+json' } })
      .then(async (answer) => {
        const body = Buffer.from(await answer.body.arrayBuffer());
        const contentType = answer.headers['content-type'];
        res.writeHead(answer.statusCode, { 'content-type': typeof contentType === 'string' ? contentType : 'application/octet-stream', 'content-length': body.length });
        res.end(body);
      })
      .catch(() => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('upstream failed\n');
      });
  },
);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => void pool.close().then(() => process.exit(0)));
});
