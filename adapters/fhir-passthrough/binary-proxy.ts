import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
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
 * Call it AFTER authentication, authorisation and the check that the Binary belongs to the
 * token's patient (MedMij: document URLs answer only with a valid token, digest §3); the gateway
 * does that in gateway/fhir/stream-binary.ts through the adapter's `streamBinary`.
 * Only the upstream `Binary/<id>` is ever requested (the id is given, or taken from the end of
 * `req.url`). Request headers are an allow-list (the PGO's token never goes upstream; the
 * adapter's own credentials do); response headers are an allow-list too (no Location, Link,
 * Server, Cache-Control or cookies: the gateway sets its own caching rule). A non-200 upstream
 * answer is not passed through: `next(error)` gets a typed AdapterError, or `next()` plain when
 * the upstream has no such Binary (404/410), so the route's own not-found rendering applies.
 * Nothing is written to `res` in those cases. Bodies above `maxBytes` are refused before the
 * first byte when the upstream declares the length, and cut off (connection closed) otherwise.
 */
export interface BinaryProxyCall {
  /** The Binary id; when absent it is taken from `req.url` (`…/Binary/<id>`). */
  readonly id?: string;
  /** The request deadline: aborts the upstream request until the answer's headers are forwarded. */
  readonly signal?: AbortSignal;
  /** Called once, when status and headers are written to `res` and the body starts to flow. */
  readonly onStart?: () => void;
}

export interface BinaryProxy {
  (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void, call?: BinaryProxyCall): Promise<void>;
  /** Closes the kept-alive upstream connections. */
  close(): void;
}

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const BINARY_PATH = /(?:^|\/)Binary\/([A-Za-z0-9\-.]{1,64})(?:\?.*)?$/;
const REQUEST_HEADERS = new Set(['accept', 'accept-encoding', 'if-none-match', 'if-modified-since', 'host', 'content-length']);
const RESPONSE_HEADERS = ['content-type', 'content-length', 'content-encoding', 'etag', 'last-modified'];
/** RFC 9110 §8.3 media type (parameters allowed); anything else is not served as a document. */
const CONTENT_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=("[^"\r\n]*"|[A-Za-z0-9!#$&^_.+-]+))*$/;

interface Pending {
  readonly id: string;
  readonly authorization: string | undefined;
  readonly next: (err?: unknown) => void;
  readonly call: BinaryProxyCall;
  proxyReq?: ClientRequest;
  detach?: () => void;
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
  const tokenClient = new Agent({ connect: tls });
  const auth = createUpstreamAuth(config.auth, tokenClient);
  /** Requests whose outcome (start, not found, error) has not been reported yet. */
  const pending = new WeakMap<IncomingMessage, Pending>();
  const timedOut = new WeakSet<IncomingMessage>();
  const log = deps.log.child({ adapter: config.id, route: 'binary-proxy' });

  /** Reports the outcome exactly once; later events for the same request only clean up. */
  const settle = (req: IncomingMessage, err?: Error): void => {
    const p = pending.get(req);
    if (!p) return;
    pending.delete(req);
    p.detach?.();
    if (err) log.warn({ err: { name: err.name, message: err.message } }, 'binary proxy failed');
    p.next(err);
  };

  /**
   * A refused upstream answer: the gateway writes its own answer to `res`, so the upstream body is
   * left unread and dropped once that answer is out (destroying it at once would make the proxy
   * library cut `res` before the gateway's OperationOutcome is written).
   */
  const drop = (proxyRes: IncomingMessage, res: ServerResponse): void => {
    proxyRes.pause();
    if (res.writableEnded || res.destroyed) proxyRes.destroy();
    else res.once('close', () => proxyRes.destroy());
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
        const p = pending.get(req);
        if (!p) {
          // Settled already (deadline passed while connecting): the upstream is not asked.
          proxyReq.destroy();
          return;
        }
        p.proxyReq = proxyReq;
        for (const name of proxyReq.getHeaderNames()) if (!REQUEST_HEADERS.has(name)) proxyReq.removeHeader(name);
        if (p.authorization) proxyReq.setHeader('authorization', p.authorization);
        // Our own idle timeout, so that a slow upstream is reported as a timeout (504), not a
        // reset; it also cuts a body that stalls half-way.
        proxyReq.setTimeout(config.timeoutMs, () => {
          timedOut.add(req);
          proxyReq.destroy(new Error('upstream timeout'));
        });
      },
      proxyRes(proxyRes, req, res) {
        if (!pending.has(req) || res.headersSent) {
          drop(proxyRes, res);
          return;
        }
        const status = proxyRes.statusCode ?? 502;
        if (status !== 200 && status !== 304) {
          drop(proxyRes, res);
          if (status === 404 || status === 410) settle(req);
          else if (status >= 500 || status === 429) settle(req, new UpstreamUnavailable(`binary: upstream answered ${status}`));
          else settle(req, new UpstreamRejected(`binary: upstream answered ${status}`));
          return;
        }
        const declared = Number(proxyRes.headers['content-length']);
        if (Number.isFinite(declared) && declared > config.maxBytes) {
          drop(proxyRes, res);
          settle(req, new UpstreamRejected(`binary: upstream answer exceeds ${config.maxBytes} bytes`));
          return;
        }
        const contentType = proxyRes.headers['content-type'];
        if (status === 200 && (contentType === undefined || !CONTENT_TYPE.test(contentType))) {
          // Fail closed: a document without a readable media type is not handed to a PGO.
          drop(proxyRes, res);
          settle(req, new UpstreamRejected('binary: upstream answer has no usable content type'));
          return;
        }
        // Started: from here the idle timeout and the byte cap bound the body, not the deadline.
        const { call, detach } = pending.get(req)!;
        pending.delete(req);
        detach?.();
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
        call.onStart?.();
      },
      error(err, req) {
        settle(req, timedOut.has(req) ? new UpstreamTimeout('binary: upstream did not answer in time', { cause: err }) : new UpstreamUnavailable('binary: upstream not reachable', { cause: err }));
      },
    },
  });

  const run = async (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void, call: BinaryProxyCall = {}): Promise<void> => {
    const id = call.id ?? BINARY_PATH.exec(req.url ?? '')?.[1];
    if (id === undefined || !FHIR_ID.test(id) || (req.method !== 'GET' && req.method !== 'HEAD')) {
      next(new UpstreamRejected('binary proxy: not a GET of Binary/<id>'));
      return;
    }
    if (call.signal?.aborted) {
      next(new UpstreamTimeout('binary: request deadline passed'));
      return;
    }
    let authorization: string | undefined;
    try {
      const signals = [AbortSignal.timeout(config.timeoutMs), ...(call.signal ? [call.signal] : [])];
      authorization = await auth.header(AbortSignal.any(signals));
    } catch (err) {
      next(err instanceof Error && /Upstream/.test(err.name) ? err : new UpstreamUnavailable('binary: no upstream token', { cause: err }));
      return;
    }
    const p: Pending = { id, authorization, next, call };
    if (call.signal) {
      const signal = call.signal;
      const onAbort = (): void => {
        timedOut.add(req);
        const proxyReq = p.proxyReq;
        settle(req, new UpstreamTimeout('binary: request deadline passed before the upstream answered'));
        proxyReq?.destroy();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      p.detach = () => signal.removeEventListener('abort', onAbort);
    }
    pending.set(req, p);
    // hpm calls `next` itself only when the proxy library throws; route that through `settle` too.
    await proxy(req, res, (err?: unknown) => (err === undefined ? undefined : settle(req, err instanceof Error ? err : new UpstreamUnavailable('binary proxy failed'))));
  };
  return Object.assign(run, {
    close(): void {
      agent.destroy();
      void tokenClient.close();
    },
  });
}
