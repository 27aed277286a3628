import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { contextOf, type AuditLog } from '../observability/index.js';
import type { OAuthClientList } from '../lists/index.js';
import { auditFields } from './audit-fields.js';
import { parseAuthorizationRequest, type AuthorizationRequest } from './authorization-request.js';
import { pickLanguage, renderFailurePage, renderMessagePage, type CreateView } from './pages/index.js';
import { MEDMIJ_RESPONSE_MODE } from './provider.js';
import type { ServedProvider } from './scope.js';

/** Names under which the MedMij ids travel inside oidc-provider (its `extraParams`). */
export const MEDMIJ_ID_PARAMS = ['MedMij-Request-ID', 'X-Correlation-ID'] as const;

/**
 * GET /oauth/authorize, in front of oidc-provider: MedMij's checks run here, on typed values,
 * before the library sees anything (house rule 2). Only the parameters MedMij defines (plus PKCE)
 * are passed on; all others are ignored as MedMij says (S1) by not forwarding them, so no
 * `prompt`, `request_uri`, `response_mode` or `max_age` can steer the provider.
 */
export function authorizeEndpoint(deps: {
  readonly handler: (req: IncomingMessage, res: Response) => void;
  readonly currentOAuthClientList: () => OAuthClientList | undefined;
  readonly providers: readonly ServedProvider[];
  readonly audit: AuditLog;
  readonly view: CreateView;
  readonly acceptingNewFlows?: () => boolean;
}) {
  return (req: Request, res: Response, _next: NextFunction): void => {
    const query = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    const result = parseAuthorizationRequest(query, (name) => req.get(name), deps.currentOAuthClientList(), deps.providers);
    const lang = pickLanguage({ uiLocales: query.get('ui_locales'), lang: query.get('lang'), acceptLanguage: req.get('accept-language') });
    // The request as MedMij's log describes it: never the query string (state, redirect_uri).
    const requestId = contextOf(res)?.requestId;
    const received = { ...(requestId ? { requestId } : {}), method: req.method, uri: `${req.protocol}://${req.get('host') ?? 'localhost'}${req.path}` };

    if (deps.acceptingNewFlows?.() === false) {
      // The MedMij log outbox is full and the operator chose to refuse new flows rather than lose
      // log records: a technical failure ("Technische storing", digest §2.5), retryable later.
      const ids = result.kind === 'ok' ? auditFields({ sessionId: result.request.sessionId, traceId: result.request.traceId, clientId: result.request.clientId }) : auditFields({ sessionId: result.sessionId, traceId: result.traceId, clientId: result.clientId });
      deps.audit.record({ type: 'receive_authorization_request', outcome: 'refused', ...ids, ...received, reason: 'temporarily_unavailable', status: 503 });
      deps.audit.record({ type: 'show_authorization_request_error_page', outcome: 'refused', ...ids, reason: 'ketenlog_outbox_full' });
      res.status(503).set('Retry-After', '60').type('html').send(renderFailurePage(deps.view({ lang, switchHref: `?lang=${lang === 'nl' ? 'en' : 'nl'}` }), {}));
      return;
    }

    if (result.kind === 'error-page') {
      const ids = auditFields({ sessionId: result.sessionId, traceId: result.traceId, clientId: result.clientId });
      deps.audit.record({ type: 'receive_authorization_request', outcome: 'refused', ...ids, ...received, reason: result.reason });
      deps.audit.record({ type: 'authorization_request_error', outcome: 'refused', ...ids, reason: result.reason });
      deps.audit.record({ type: 'show_authorization_request_error_page', outcome: 'refused', ...ids, reason: result.reason });
      res
        .status(400)
        .type('html')
        .send(renderMessagePage(deps.view({ lang, switchHref: `?lang=${lang === 'nl' ? 'en' : 'nl'}` }), 'requestError', { ...(result.traceId ? { traceId: result.traceId } : {}), ...(result.sessionId ? { sessionId: result.sessionId } : {}) }));
      return;
    }

    if (result.kind === 'redirect-error') {
      const ids = auditFields({ sessionId: result.sessionId, traceId: result.traceId, clientId: result.clientId });
      deps.audit.record({ type: 'receive_authorization_request', outcome: 'refused', ...ids, ...received, reason: result.error });
      deps.audit.record({ type: 'send_authorization_request_error', outcome: 'refused', ...ids, reason: result.error, detail: result.description });
      const target = new URL(result.redirectUri);
      target.searchParams.set('error', result.error);
      target.searchParams.set('error_description', result.description);
      if (result.state !== undefined) target.searchParams.set('state', result.state);
      res.redirect(303, target.href);
      return;
    }

    const request = result.request;
    deps.audit.record({
      type: 'receive_authorization_request',
      outcome: 'success',
      ...auditFields({ sessionId: request.sessionId, traceId: request.traceId, clientId: request.clientId, providerId: request.scope.providerName }),
      ...received,
    });
    req.url = `${req.path}?${forwardedQuery(request).toString()}&ui_locales=${lang}`; // the pages' language (issue 16)
    // Every authorization starts a fresh provider session: MedMij asks login and consent each
    // time, and a session left by an earlier flow (another patient, another PGO) must not carry over.
    stripSessionCookie(req);
    deps.handler(req, res);
  };
}

function forwardedQuery(r: AuthorizationRequest): URLSearchParams {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: r.clientId,
    redirect_uri: r.redirectUri,
    scope: r.scope.scope,
    state: r.state,
    'MedMij-Request-ID': r.traceId,
    'X-Correlation-ID': r.sessionId,
    response_mode: MEDMIJ_RESPONSE_MODE,
  });
  if (r.codeChallenge !== undefined) {
    q.set('code_challenge', r.codeChallenge);
    q.set('code_challenge_method', 'S256');
  }
  return q;
}

function stripSessionCookie(req: Request): void {
  const cookie = req.headers.cookie;
  if (!cookie) return;
  const kept = cookie
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c !== '' && !/^_session(\.|=)/.test(c));
  if (kept.length > 0) req.headers.cookie = kept.join('; ');
  else delete req.headers.cookie;
}
