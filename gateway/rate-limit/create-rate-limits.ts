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
  /** Patient interface, before /oauth/authorize: per source address and for all sources together. */
  readonly authorize: RequestHandler;
  /** Node interface, before /oauth/token: per PGO (its whitelisted certificate). */
  readonly token: RequestHandler;
  /** Node interface, before /fhir: per PGO. */
  readonly fhir: RequestHandler;
}

const pass: RequestHandler = (_req, _res, next) => next();

/**
 * Per client means per TLS peer: on the node interface the PGO is its whitelisted certificate
 * (digest §5.3), known before any body is read, so a flood costs no parsing. Per address on the
 * patient interface, where browsers have no certificate; the total budget also bounds the
 * interaction state (about 900 bytes each for interactionTtlSeconds) that all addresses together
 * can create.
 */
export function createRateLimits(settings: RateLimitSettings, store: KeyValueStore, log: Logger): RateLimits {
  if (!settings.enabled) return { authorize: pass, token: pass, fhir: pass };
  const w = settings.windowSeconds;
  const limiter = (name: string, points: number) => createRateLimiter(store, { name, points, windowSeconds: w });
  const byAddress = (req: IncomingMessage) => sourceOf(req.socket.remoteAddress ?? 'unknown');
  const byClient = (req: IncomingMessage) => {
    const peer = peerOf(req);
    return peer ? [...peer.hostnames].sort().join(',') : undefined;
  };
  return {
    authorize: limitRequests(
      [
        { limiter: limiter('authorize', settings.authorizePerAddress), keyOf: byAddress },
        { limiter: limiter('authorize-total', settings.authorizeTotal), keyOf: () => 'all' },
      ],
      pageRefusal,
      log,
    ),
    token: limitRequests([{ limiter: limiter('token', settings.tokenPerClient), keyOf: byClient }], oauthRefusal, log),
    fhir: limitRequests([{ limiter: limiter('fhir', settings.fhirPerClient), keyOf: byClient }], fhirRefusal, log),
  };
}
