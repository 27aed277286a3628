import { Pool } from 'undici';
import { listenBare, type BareTls } from './bare-listener.js';

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
  readonly tls: BareTls;
  /** Absolute URL every request is answered from. */
  readonly upstream: string;
}

const input = JSON.parse(process.argv[2] ?? '{}') as ProxyInput;
const upstream = new URL(input.upstream);
const pool = new Pool(upstream.origin, { connections: 4, keepAliveTimeout: 60_000 });
const upstreamPath = `${upstream.pathname}${upstream.search}`;

listenBare(
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
  input.tls,
  () => pool.close(),
);
