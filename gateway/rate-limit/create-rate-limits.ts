import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from '../observability/index.js';
import { createRateLimiter, type KeyValueStore } from '../storage/index.js';
import { peerOf, sourceOf } from '../tls/index.js';
import { limitRequests } from './limit-requests.js';
import { fhirRefusal, oauthRefusal, pageRefusal } from './refusals.js';

/** The `rateLimits:` config section, restated so this folder does not depend on config/. */
export interface RateLimitSettings {
  readonly enabled: boolean;
  readonly windowSeconds: number;
  readonly authorizePerAddress: number;
  readonly authorizeTotal: number;
  readonly tokenPerClient: number;
  readonly fhirPerClient: number;
}

export interface RateLimits {
  /** Patient interface: authorization requests, per source address and for all sources together. */
  readonly patient: RequestHandler;
  /** Node interface: token requests and FHIR requests, each per PGO (its whitelisted certificate). */
  readonly node: RequestHandler;
  /** Node interface, FHIR requests only: for the lean FHIR edge, which knows a request is FHIR. */
  readonly fhir: RequestHandler;
}

/** Where the endpoints are (endpoints.authorizationPath / tokenPath may differ per service). */
export interface LimitedPaths {
  readonly authorizationPaths: readonly string[];
  readonly tokenPaths: readonly string[];
}

const pass: RequestHandler = (_req, _res, next) => next();

/**
 * Per client means per TLS peer: on the node interface the PGO is its whitelisted certificate
 * (digest §5.3), known before any body is read, so a flood costs no parsing. Per address on the
 * patient interface, where browsers have no certificate; the total budget also bounds the
 * interaction state (about 900 bytes each for interactionTtlSeconds) that all addresses together
 * can create.
 */
export function createRateLimits(settings: RateLimitSettings, store: KeyValueStore, log: Logger, paths: LimitedPaths): RateLimits {
  if (!settings.enabled) return { patient: pass, node: pass, fhir: pass };
  const w = settings.windowSeconds;
  const limiter = (name: string, points: number) => createRateLimiter(store, { name, points, windowSeconds: w });
  const byAddress = (req: IncomingMessage) => sourceOf(req.socket.remoteAddress ?? 'unknown');
  // The peer is one object per connection (tls/peer-of.ts): its key is made once, not per request.
  const clientKeys = new WeakMap<object, string>();
  const byClient = (req: IncomingMessage) => {
    const peer = peerOf(req);
    if (!peer) return undefined;
    let key = clientKeys.get(peer);
    if (key === undefined) clientKeys.set(peer, (key = [...peer.hostnames].sort().join(',')));
    return key;
  };
  const authorizationPaths = new Set(paths.authorizationPaths);
  const tokenPaths = new Set(paths.tokenPaths);
  const authorize = limitRequests(
      [
        { limiter: limiter('authorize', settings.authorizePerAddress), keyOf: byAddress },
        { limiter: limiter('authorize-total', settings.authorizeTotal), keyOf: () => 'all' },
      ],
      pageRefusal,
      log,
    );
  const token = limitRequests([{ limiter: limiter('token', settings.tokenPerClient), keyOf: byClient }], oauthRefusal, log);
  const fhir = limitRequests([{ limiter: limiter('fhir', settings.fhirPerClient), keyOf: byClient }], fhirRefusal, log);
  return {
    // Only the authorization request itself creates state; the pages after it are bound to it.
    patient: (req, res, next) => (authorizationPaths.has(req.path) ? authorize(req, res, next) : next()),
    // Everything on the node interface that is not a token request is the FHIR API (the FHIR
    // router answers unknown paths itself), so an unknown path counts as FHIR too.
    node: (req, res, next) => (tokenPaths.has(req.path) ? token(req, res, next) : fhir(req, res, next)),
    fhir,
  };
}
