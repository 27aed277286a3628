import type { IncomingMessage } from 'node:http';
import type { Logger } from '../observability/index.js';
import type { CoreHeaders, CorePeer, CoreRequest } from './core/index.js';
import type { BasePath } from './resolve-base.js';

/** Every Authorization header as sent: req.headers silently drops all but the first. */
function authorizationHeaders(req: IncomingMessage): string | readonly string[] | undefined {
  const raw = req.rawHeaders;
  let first: string | undefined;
  let all: string[] | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length !== 13 || name.toLowerCase() !== 'authorization') continue;
    if (first === undefined) first = raw[i + 1]!;
    else (all ??= [first]).push(raw[i + 1]!);
  }
  return all ?? first;
}

const one = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(', ') : value);

/** The headers the FHIR pipeline reads, once (node:http gives their names in lower case). */
export function coreHeadersOf(req: IncomingMessage): CoreHeaders {
  const h = req.headers;
  const contentLength = h['content-length'];
  return {
    accept: h.accept,
    authorization: authorizationHeaders(req),
    contentType: h['content-type'],
    contentLength,
    prefer: one(h.prefer),
    hasBody: (contentLength ?? '0') !== '0' || h['transfer-encoding'] !== undefined,
    traceId: one(h['medmij-request-id']),
    sessionId: one(h['x-correlation-id']),
  };
}

/** Never fires: the deadline of a request that did not reach a base (it calls no adapter). */
const NO_DEADLINE = new AbortController().signal;

/**
 * An HTTP request → the core's typed request (core/types.ts): one for both edges (the lean
 * node:https handler and the Express shell), which differ only in how they got here.
 */
export function buildCoreRequest(
  req: IncomingMessage,
  parts: { readonly requestId: string; readonly base: BasePath | undefined; readonly rawQuery: string; readonly peer: CorePeer | undefined; readonly signal: AbortSignal | undefined; readonly log: Logger },
): CoreRequest {
  const method = req.method ?? 'GET';
  return {
    requestId: parts.requestId,
    method,
    base: parts.base,
    rawQuery: parts.rawQuery,
    headers: coreHeadersOf(req),
    peer: parts.peer,
    // Only a Delen POST reads a body (and only to the base); every other request's body is refused.
    body: method === 'POST' ? req : undefined,
    signal: parts.signal ?? NO_DEADLINE,
    // A deferred logger held as data, never a getter in this literal (observability deferredLogger says why).
    log: parts.log,
  };
}
