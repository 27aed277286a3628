import type { IncomingMessage } from 'node:http';
import type { Request, Response } from 'express';
import { contextOf, parseTraceId, type AuditEvent, type AuditLog } from '../observability/index.js';
import { randomUUID } from 'node:crypto';
import { auditFields } from './audit-fields.js';
import type { PeerOf } from './peer.js';
import { toX5tS256 } from './thumbprint.js';

export function traceIdsOf(req: IncomingMessage): { traceId?: string; sessionId?: string } {
  const pick = (name: string) => {
    return parseTraceId(req.headers[name]);
  };
  const traceId = pick('medmij-request-id');
  const sessionId = pick('x-correlation-id');
  return { ...(traceId ? { traceId } : {}), ...(sessionId ? { sessionId } : {}) };
}

/** What the token endpoint saw of a request when it arrived; read again when oidc-provider answers it. */
export interface ReceivedTokenRequest {
  readonly requestId: string;
  readonly at: string;
  readonly method: string;
  readonly uri: string;
}

const received = new WeakMap<IncomingMessage, ReceivedTokenRequest>();

/** The arrival record of a token request (undefined for requests that did not pass tokenEndpoint). */
export function receivedTokenRequest(req: IncomingMessage): ReceivedTokenRequest | undefined {
  return received.get(req);
}

/**
 * The `receive_token_request` event (MedMij Logging interface) of a request oidc-provider has
 * answered: written with the answer, because only then is the grant type known (the body is the
 * provider's to parse), dated when the request arrived.
 */
export function receiveTokenRequestEvent(req: IncomingMessage, fields: Partial<AuditEvent>): AuditEvent {
  const r = received.get(req);
  return {
    ...fields,
    type: 'receive_token_request',
    outcome: 'success',
    ...(r ? { requestId: r.requestId, method: r.method, uri: r.uri, occurredAt: r.at } : {}),
  };
}

/**
 * POST /oauth/token on the node listener. The connection already passed mTLS and the whitelist
 * (the lead's TLS guard); here we note its arrival and, with certificate binding on, refuse a
 * request whose client certificate we cannot identify (fail closed: no unbound token).
 * oidc-provider does the rest; its grant events write `receive_token_request` with
 * `send_token_response` or `send_token_request_error`.
 */
export function tokenEndpoint(deps: {
  readonly handler: (req: IncomingMessage, res: Response) => void;
  readonly peerOf: PeerOf;
  readonly certificateBoundTokens: boolean;
  readonly audit: AuditLog;
}) {
  return (req: Request, res: Response): void => {
    const peer = deps.peerOf(req);
    const requestId = contextOf(res)?.requestId ?? randomUUID();
    received.set(req, { requestId, at: new Date().toISOString(), method: req.method, uri: `${req.protocol}://${req.get('host') ?? 'localhost'}${req.path}` });
    if (deps.certificateBoundTokens && (!peer || toX5tS256(peer.fingerprintSha256) === undefined)) {
      const ids = auditFields({ ...traceIdsOf(req), peerHost: peer?.hostnames.join(',') });
      deps.audit.record(receiveTokenRequestEvent(req, ids));
      deps.audit.record({ type: 'send_token_request_error', outcome: 'refused', ...ids, requestId, reason: 'invalid_client', detail: 'a client certificate is required', status: 401 });
      res.status(401).set('Cache-Control', 'no-store').json({ error: 'invalid_client', error_description: 'a client certificate is required' });
      return;
    }
    deps.handler(req, res);
  };
}
