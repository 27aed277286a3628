import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Agent, request, type Dispatcher } from 'undici';
import { UpstreamRejected, UpstreamTimeout, UpstreamUnavailable } from '../errors.js';
import { BodyTooLarge, readCapped } from './read-capped.js';
import { createUpstreamAuth, type UpstreamAuth } from './upstream-auth.js';
import type { UpstreamHttpConfig } from './upstream-config.js';

/**
 * Keep-alive HTTP client for one upstream service (undici Agent): adds the upstream credentials,
 * bounds every call by the request deadline and the configured timeout, caps the answer size and
 * turns transport failures into AdapterErrors. Only URLs under the configured base are fetched,
 * so an upstream `next` link cannot send the gateway elsewhere (SSRF).
 */
export interface UpstreamResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

export interface UpstreamRequest {
  readonly signal: AbortSignal;
  readonly accept: string;
  readonly method?: 'GET' | 'POST';
  /** application/x-www-form-urlencoded body (POST only). */
  readonly form?: URLSearchParams;
  /** A FHIR JSON body (POST only): the Delen batch forwarded to the EHR. */
  readonly fhirJson?: string;
  /** An XML document body (POST only): Delen data mapped to the EHR's own XML (adapters/xml). */
  readonly xml?: string;
  /** Extra request headers (e.g. `prefer`). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface UpstreamClient {
  readonly baseUrl: string;
  readonly dispatcher: Dispatcher;
  readonly auth: UpstreamAuth;
  /** `target` is a path relative to the base (`Observation?code=…`) or an absolute URL under it. */
  fetch(target: string, req: UpstreamRequest): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

export function createUpstreamClient(config: UpstreamHttpConfig, baseDir: string): UpstreamClient {
  const read = (f: string): string => readFileSync(path.resolve(baseDir, f), 'utf8');
  const tls: { ca?: string; cert?: string; key?: string } = {};
  if (config.caFile) tls.ca = read(config.caFile);
  if (config.auth.kind === 'client-certificate') {
    tls.cert = read(config.auth.certFile);
    tls.key = read(config.auth.keyFile);
  }
  const dispatcher = new Agent({
    connections: config.maxConnections,
    keepAliveTimeout: 30_000,
    connect: { ...tls, timeout: Math.min(config.timeoutMs, 10_000) },
  });
  const auth = createUpstreamAuth(config.auth, dispatcher);
  const base = new URL(`${config.baseUrl}/`);

  const resolve = (target: string): URL => {
    // Relative targets are under the base whether or not they start with '/'.
    const url = new URL(/^[a-z][a-z0-9+.-]*:/i.test(target) ? target : target.replace(/^\/+/, ''), base);
    if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname) || url.username || url.password) {
      throw new UpstreamRejected('upstream link points outside the configured base URL');
    }
    url.hash = '';
    return url;
  };

  const once = async (url: URL, req: UpstreamRequest, signal: AbortSignal): Promise<UpstreamResponse> => {
    const headers: Record<string, string> = { ...req.headers, accept: req.accept };
    const authorization = await auth.header(signal);
    if (authorization) headers['authorization'] = authorization;
    if (req.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    if (req.fhirJson !== undefined) headers['content-type'] = 'application/fhir+json';
    if (req.xml !== undefined) headers['content-type'] = 'application/xml; charset=utf-8';
    const res = await request(url, {
      method: req.method ?? 'GET',
      headers,
      body: req.form?.toString() ?? req.fhirJson ?? req.xml ?? null,
      signal,
      dispatcher,
    });
    const length = Number(res.headers['content-length']);
    const body = await readCapped(res.body, config.maxBytes, Number.isFinite(length) ? length : undefined);
    const ct = res.headers['content-type'];
    return { status: res.statusCode, contentType: (Array.isArray(ct) ? ct[0] : ct) ?? '', body };
  };

  // A pooled keep-alive socket can be closed by the upstream just as it is reused (its idle timeout
  // racing ours), which surfaces as ECONNRESET before any answer. A GET is idempotent (RFC 9110
  // §9.2.2), so it is sent once more on a fresh connection; a POST (a Delen write) never is: it may
  // have reached the EHR.
  const onceRetryingReset = async (url: URL, req: UpstreamRequest, signal: AbortSignal): Promise<UpstreamResponse> => {
    try {
      return await once(url, req, signal);
    } catch (err) {
      if ((req.method ?? 'GET') !== 'GET' || signal.aborted || !isConnectionReset(err)) throw err;
      return once(url, req, signal);
    }
  };

  return {
    baseUrl: config.baseUrl,
    dispatcher,
    auth,
    async fetch(target, req) {
      const url = resolve(target);
      const signal = AbortSignal.any([req.signal, AbortSignal.timeout(config.timeoutMs)]);
      try {
        let res = await onceRetryingReset(url, req, signal);
        if (res.status === 401 && config.auth.kind === 'client-credentials') {
          // A cached token may have been revoked upstream: one retry with a fresh one.
          auth.invalidate();
          res = await once(url, req, signal);
        }
        return res;
      } catch (err) {
        throw toAdapterError(err, signal);
      }
    },
    close: () => dispatcher.close(),
  };
}

/** The connection went away under the request (reset, or closed by the other side mid-exchange). */
function isConnectionReset(err: unknown): boolean {
  const code = (err as { code?: unknown }).code ?? ((err as { cause?: { code?: unknown } }).cause?.code);
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET';
}

/** Transport failures → AdapterErrors; the cause stays attached for the log, never shown to the PGO. */
export function toAdapterError(err: unknown, signal: AbortSignal): Error {
  if (err instanceof UpstreamRejected || err instanceof UpstreamUnavailable || err instanceof UpstreamTimeout) return err;
  if (signal.aborted) return new UpstreamTimeout('upstream did not answer before the deadline', { cause: err });
  if (err instanceof BodyTooLarge) return new UpstreamRejected(err.message, { cause: err });
  const code = (err as { code?: unknown }).code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new UpstreamTimeout('upstream did not answer in time', { cause: err });
  }
  return new UpstreamUnavailable(`upstream not reachable${typeof code === 'string' ? ` (${code})` : ''}`, { cause: err });
}
