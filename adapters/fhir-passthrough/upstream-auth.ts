import { request, type Dispatcher } from 'undici';
import { UpstreamRejected, UpstreamUnavailable } from '../errors.js';
import { readCapped } from './read-capped.js';
import type { UpstreamAuthConfig } from './upstream-config.js';

/**
 * The Authorization header for upstream calls. Client-credentials tokens are cached until 30 s
 * before `expires_in` (RFC 6749 §5.1) and fetched once for concurrent callers; `invalidate` drops
 * a token the upstream refused so that the next call fetches a fresh one.
 */
export interface UpstreamAuth {
  header(signal: AbortSignal): Promise<string | undefined>;
  invalidate(): void;
}

const EXPIRY_MARGIN_MS = 30_000;
const TOKEN_ANSWER_MAX_BYTES = 64 * 1024;

export function createUpstreamAuth(config: UpstreamAuthConfig, dispatcher: Dispatcher): UpstreamAuth {
  switch (config.kind) {
    case 'none':
    case 'client-certificate':
      return { header: async () => undefined, invalidate: () => undefined };
    case 'bearer': {
      const value = `Bearer ${config.token}`;
      return { header: async () => value, invalidate: () => undefined };
    }
    case 'client-credentials':
      return clientCredentials(config, dispatcher);
  }
}

function clientCredentials(
  config: Extract<UpstreamAuthConfig, { kind: 'client-credentials' }>,
  dispatcher: Dispatcher,
): UpstreamAuth {
  let cached: { value: string; expiresAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  const fetchToken = async (signal: AbortSignal): Promise<string> => {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (config.scope) form.set('scope', config.scope);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (config.method === 'basic') {
      // RFC 6749 §2.3.1: both parts form-urlencoded before base64.
      const pair = `${encodeURIComponent(config.clientId)}:${encodeURIComponent(config.clientSecret)}`;
      headers['authorization'] = `Basic ${Buffer.from(pair).toString('base64')}`;
    } else {
      form.set('client_id', config.clientId);
      form.set('client_secret', config.clientSecret);
    }
    let res: Dispatcher.ResponseData;
    try {
      res = await request(config.tokenUrl, { method: 'POST', headers, body: form.toString(), signal, dispatcher });
    } catch (err) {
      throw new UpstreamUnavailable('upstream token endpoint not reachable', { cause: err });
    }
    const body = await readCapped(res.body, TOKEN_ANSWER_MAX_BYTES);
    if (res.statusCode !== 200) throw new UpstreamRejected(`upstream token endpoint answered ${res.statusCode}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new UpstreamRejected('upstream token endpoint answered no JSON', { cause: err });
    }
    const t = parsed as { access_token?: unknown; token_type?: unknown; expires_in?: unknown };
    if (typeof t.access_token !== 'string' || !/^[\x21-\x7e]+$/.test(t.access_token) || !/^bearer$/i.test(String(t.token_type))) {
      throw new UpstreamRejected('upstream token endpoint answered no bearer token');
    }
    const ttlMs = typeof t.expires_in === 'number' && t.expires_in > 0 ? t.expires_in * 1000 : 60_000;
    cached = { value: `Bearer ${t.access_token}`, expiresAt: Date.now() + Math.max(ttlMs - EXPIRY_MARGIN_MS, 1000) };
    return cached.value;
  };

  return {
    async header(signal) {
      if (cached && cached.expiresAt > Date.now()) return cached.value;
      // One fetch for all concurrent callers; a caller's own signal still bounds its wait.
      inFlight ??= fetchToken(AbortSignal.timeout(10_000)).finally(() => {
        inFlight = undefined;
      });
      return await raceSignal(inFlight, signal);
    },
    invalidate() {
      cached = undefined;
    },
  };
}

function raceSignal<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}
