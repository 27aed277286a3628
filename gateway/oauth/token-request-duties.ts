import type { IncomingMessage } from 'node:http';
import type { Response } from 'express';
import type { AuditLog } from '../observability/index.js';
import { auditFields } from './audit-fields.js';
import { traceIdsOf } from './token-endpoint.js';

/** An RFC 6749 §5.2 refusal the token endpoint writes itself, before oidc-provider sees the request. */
export interface TokenRefusal {
  readonly status: number;
  readonly error: 'invalid_request';
  readonly description: string;
  /** Stable reason for the audit record. */
  readonly reason: string;
}

/**
 * MedMij 2.x core.tknint.208: every token request carries `MedMij-Request-ID` (a new id) and
 * `X-Correlation-ID` (the session's id from the authorization request, or a new one on refresh),
 * and one without them is answered `invalid_request`. The values are checked as the rest of the
 * gateway checks them (traceIdsOf); they are never echoed.
 */
export function checkMedMijIds(req: IncomingMessage): TokenRefusal | undefined {
  const ids = traceIdsOf(req);
  const missing = [ids.traceId === undefined ? 'MedMij-Request-ID' : undefined, ids.sessionId === undefined ? 'X-Correlation-ID' : undefined].filter(
    (h): h is string => h !== undefined,
  );
  if (missing.length === 0) return undefined;
  return {
    status: 400,
    error: 'invalid_request',
    description: `the ${missing.join(' and ')} header${missing.length > 1 ? 's are' : ' is'} missing or malformed (MedMij core.tknint.208)`,
    reason: 'medmij_ids_missing',
  };
}

/** oidc-provider's own cap on a token request body (lib/shared/selective_body.js). */
const BODY_LIMIT = 56 * 1024;

/**
 * Compatibility switch `oauth.compatibility.refreshCodeGrantType` (off by default): the
 * government PGO asks a refresh with `grant_type=refresh_code` (minvws/nl-mgo-dvp-proxy
 * authentication/adapters.py), where RFC 6749 §6 says `refresh_token`. With the switch on, that
 * one value is read as `refresh_token` and nothing else changes: the refresh token must still be
 * valid, bound and unconsumed, so no more is granted than the patient consented to.
 *
 * The form is read here (bounded as oidc-provider bounds it) and handed to the provider as the
 * already-parsed body, which it accepts in place of the stream.
 */
export async function readRefreshCodeAlias(req: IncomingMessage & { body?: unknown }): Promise<TokenRefusal | undefined> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) return undefined; // the provider refuses it
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > BODY_LIMIT) return { status: 400, error: 'invalid_request', description: 'the request body is too large', reason: 'body_too_large' };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) return { status: 400, error: 'invalid_request', description: 'the request body is too large', reason: 'body_too_large' };
    chunks.push(chunk);
  }
  const form = Buffer.concat(chunks).toString('utf8');
  // Only the exact pair; any other spelling, or a duplicate grant_type, reaches the provider as sent.
  req.body = form.split('&').map((pair) => (pair === 'grant_type=refresh_code' ? 'grant_type=refresh_token' : pair)).join('&');
  return undefined;
}

/**
 * The token request's MedMij duties in front of oidc-provider: the ids first (a request without
 * them is refused whatever else it holds), then the compatibility alias when switched on. A
 * refusal is audited as `send_token_response` and answered as RFC 6749 §5.2 JSON.
 */
export function withTokenRequestDuties(
  handler: (req: IncomingMessage, res: Response) => void,
  deps: { readonly refreshCodeAlias: boolean; readonly audit: AuditLog },
): (req: IncomingMessage, res: Response) => void {
  const refuse = (req: IncomingMessage, res: Response, r: TokenRefusal) => {
    deps.audit.record({ type: 'send_token_response', outcome: 'refused', ...auditFields(traceIdsOf(req)), reason: r.reason, status: r.status });
    res.status(r.status).set('Cache-Control', 'no-store').json({ error: r.error, error_description: r.description });
  };
  return (req, res) => {
    const missing = checkMedMijIds(req);
    if (missing) {
      refuse(req, res, missing);
      return;
    }
    if (!deps.refreshCodeAlias) {
      handler(req, res);
      return;
    }
    readRefreshCodeAlias(req).then(
      (refusal) => (refusal ? refuse(req, res, refusal) : handler(req, res)),
      () => refuse(req, res, { status: 400, error: 'invalid_request', description: 'the request body could not be read', reason: 'body_unreadable' }),
    );
  };
}
