import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { Agent } from 'undici';
import type { Logger } from 'pino';
import { UpstreamRejected, UpstreamTimeout, UpstreamUnavailable } from '../errors.js';
import { createUpstreamAuth } from './upstream-auth.js';
import type { FhirPassthroughConfig } from './fhir-passthrough-config.js';

/**
 * Streams a document (Binary content, e.g. a PDF/A of service 51) from the upstream FHIR server
 * to the PGO without buffering or rebuilding it: http-proxy-middleware pipes the bytes. Used for
 * bodies that pass through unchanged; searches go through the undici client because the gateway
 * must read and rebuild those Bundles.
 *
 * Mount it AFTER authentication, authorisation and the check that the Binary belongs to the
 * token's patient (MedMij: document URLs answer only with a valid token, digest §3):
 *   router.get('/Binary/:id', authenticate, authorize, checkBinaryOwner, binaryProxy)
 * `req.url` must end in `Binary/<id>`. Only the upstream `Binary/<id>` is ever requested.
 * Request headers are an allow-list (the PGO's token never goes upstream; the adapter's own
 * credentials do); response headers are an allow-list too (no Location, Link, Server or cookies
 * naming internal hosts). A non-200 upstream answer is not passed through: `next(error)` gets a
 * typed AdapterError, or `next()` plain when the upstream has no such Binary (404/410), so the
 * route's own not-found rendering applies. Bodies above `maxBytes` are cut off.
 */
export type BinaryProxy = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => Promise<void>;

const BINARY_PATH = /(?:^|\/)Binary\/([A-Za-z0-9\-.]{1,64})(?:\?.*)?$/;
const REQUEST_HEADERS = new Set(['accept', 'accept-encoding', 'if-none-match', 'if-modified-since', 'host', 'content-length']);
const RESPONSE_HEADERS = ['content-type', 'content-length', 'content-encoding', 'etag', 'last-modified', 'cache-control'];

interface Pending {
  readonly id: string;
  readonly authorization: string | undefined;
  readonly next: (err?: unknown) => void;
}

export function createBinaryProxy(config: FhirPassthroughConfig, deps: { readonly log: Logger; readonly baseDir: string }): BinaryProxy {
  const base = new URL(`${config.baseUrl}/`);
  const read = (f: string): string => readFileSync(path.resolve(deps.baseDir, f), 'utf8');
  const tls = {
    ...(config.caFile ? { ca: read(config.caFile) } : {}),
    ...(config.auth.kind === 'client-certificate' ? { cert: read(config.auth.certFile), key: read(config.auth.keyFile) } : {}),
  };
  const agent =
    base.protocol === 'https:'
      ? new https.Agent({ keepAlive: true, maxSockets: config.maxConnections, ...tls })
      : new http.Agent({ keepAlive: true, maxSockets: config.maxConnections });
  // Client-credentials tokens need an HTTP client of their own; the proxy itself uses `agent`.
  const auth = createUpstreamAuth(config.auth, new Agent({ connect: tls }));
  const pending = new WeakMap<IncomingMessage, Pending>();
  const timedOut = new WeakSet<IncomingMessage>();
  const log = deps.log.child({ adapter: config.id, route: 'binary-proxy' });

  const fail = (req: IncomingMessage, err: Error): void => {
    const p = pending.get(req);
    pending.delete(req);
    log.warn({ err: { name: err.name, message: err.message } }, 'binary proxy failed');
    p?.next(err);
  };

  const proxy = createProxyMiddleware<IncomingMessage, ServerResponse>({
    target: base.origin,
    agent,
    changeOrigin: true,
    xfwd: false,
    selfHandleResponse: true,
    // Default plugins stay: they register the `on` handlers; our `on.error` replaces the default error page.
    pathRewrite: (_path, req) => `${base.pathname}Binary/${encodeURIComponent(pending.get(req)?.id ?? '')}`,
    on: {
      proxyReq(proxyReq, req) {
        for (const name of proxyReq.getHeaderNames()) if (!REQUEST_HEADERS.has(name)) proxyReq.removeHeader(name);
        const authorization = pending.get(req)?.authorization;
        if (authorization) proxyReq.setHeader('authorization', authorization);
        // Our own idle timeout, so that a slow upstream is reported as a timeout (504), not a reset.
        proxyReq.setTimeout(config.timeoutMs, () => {
          timedOut.add(req);
          proxyReq.destroy(new Error('upstream timeout'));
        });
      },
      proxyRes(proxyRes, req, res) {
        const status = proxyRes.statusCode ?? 502;
        if (status !== 200 && status !== 304) {
          proxyRes.resume();
          const p = pending.get(req);
          pending.delete(req);
          if (status === 404 || status === 410) p?.next();
          else if (status >= 500 || status === 429) fail2(p, new UpstreamUnavailable(`binary: upstream answered ${status}`));
          else fail2(p, new UpstreamRejected(`binary: upstream answered ${status}`));
          return;
        }
        const declared = Number(proxyRes.headers['content-length']);
        if (Number.isFinite(declared) && declared > config.maxBytes) {
          proxyRes.destroy();
          fail(req, new UpstreamRejected(`binary: upstream answer exceeds ${config.maxBytes} bytes`));
          return;
        }
        pending.delete(req);
        res.statusCode = status;
        for (const name of RESPONSE_HEADERS) {
          const v = proxyRes.headers[name];
          if (v !== undefined) res.setHeader(name, v);
        }
        let seen = 0;
        proxyRes.on('data', (chunk: Buffer) => {
          seen += chunk.byteLength;
          if (seen > config.maxBytes) {
            // Headers are gone already: the only honest signal left is a cut connection.
            log.warn({ maxBytes: config.maxBytes }, 'binary: upstream answer exceeds the cap; connection cut');
            proxyRes.destroy();
            res.destroy();
          }
        });
        proxyRes.pipe(res);
      },
      error(err, req) {
        fail(req, timedOut.has(req) ? new UpstreamTimeout('binary: upstream did not answer in time', { cause: err }) : new UpstreamUnavailable('binary: upstream not reachable', { cause: err }));
      },
    },
  });

  function fail2(p: Pending | undefined, err: Error): void {
    log.warn({ err: { name: err.name, message: err.message } }, 'binary proxy failed');
    p?.next(err);
  }

  return async (req, res, next) => {
    const m = BINARY_PATH.exec(req.url ?? '');
    if (!m?.[1] || (req.method !== 'GET' && req.method !== 'HEAD')) {
      next(new UpstreamRejected('binary proxy: not a GET of Binary/<id>'));
      return;
    }
    let authorization: string | undefined;
    try {
      authorization = await auth.header(AbortSignal.timeout(config.timeoutMs));
    } catch (err) {
      next(err instanceof Error && /Upstream/.test(err.name) ? err : new UpstreamUnavailable('binary: no upstream token', { cause: err }));
      return;
    }
    pending.set(req, { id: m[1], authorization, next });
    await proxy(req, res, next);
  };
}
