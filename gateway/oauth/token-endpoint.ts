import type { IncomingMessage } from 'node:http';
import type { Request, Response } from 'express';
import { parseTraceId, type AuditLog } from '../observability/index.js';
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

/**
 * POST /oauth/token on the node listener. The connection already passed mTLS and the whitelist
 * (the lead's TLS guard); here we record `receive_token_request` and, with certificate binding on,
 * refuse a request whose client certificate we cannot identify (fail closed: no unbound token).
 * oidc-provider does the rest; its grant events write `send_token_response`.
 */
export function tokenEndpoint(deps: {
  readonly handler: (req: IncomingMessage, res: Response) => void;
  readonly peerOf: PeerOf;
  readonly certificateBoundTokens: boolean;
  readonly audit: AuditLog;
}) {
  return (req: Request, res: Response): void => {
    const peer = deps.peerOf(req);
    deps.audit.record({
      type: 'receive_token_request',
      outcome: 'success',
      ...auditFields({ ...traceIdsOf(req), peerHost: peer?.hostnames.join(',') }),
    });
    if (deps.certificateBoundTokens && (!peer || toX5tS256(peer.fingerprintSha256) === undefined)) {
      deps.audit.record({ type: 'send_token_response', outcome: 'refused', ...auditFields(traceIdsOf(req)), reason: 'no_client_certificate', status: 401 });
      res.status(401).set('Cache-Control', 'no-store').json({ error: 'invalid_client', error_description: 'a client certificate is required' });
      return;
    }
    deps.handler(req, res);
  };
}
