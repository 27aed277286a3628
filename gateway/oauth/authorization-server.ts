import { randomBytes, type X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { readFile } from 'node:fs/promises';
import express from 'express';
import helmet from 'helmet';
import type { OAuthConfig, PagesConfig } from '../config/index.js';
import type { Gegevensdienstnamenlijst, OAuthClientList } from '../lists/index.js';
import { parseTraceId, type AuditLog } from '../observability/index.js';
import type { Logger } from '../observability/index.js';
import type { KeyValueStore } from '../storage/index.js';
import { createAccessTokenVerifier } from './access-token-verifier.js';
import { auditFields } from './audit-fields.js';
import { authorizeEndpoint, MEDMIJ_ID_PARAMS } from './authorize-endpoint.js';
import { certificateActsForClient } from './client-certificate.js';
import { isAllowedRedirectUri } from './authorization-request.js';
import type { AccessTokenVerifier } from './grant-context.js';
import { createGrantDetailsStore } from './grant-details.js';
import { createDigidSimulator, createOidcIdentityProvider, type IdentityProvider } from './identity/index.js';
import { createInteractionStateStore } from './interaction-state.js';
import { createInteractionRouter, type CheckAvailability, type CheckShareAcceptance } from './interactions/router.js';
import { authorizationServerMetadata } from './metadata.js';
import { createPageErrorHandler } from './page-error-handler.js';
import { createPageKit } from './page-kit.js';
import { BRAND_ASSET_PREFIX, pickLang, renderFailurePage, renderMessagePage, STYLESHEET, STYLESHEET_PATH } from './pages/index.js';
import type { PeerOf } from './peer.js';
import { createProvider, PROVIDER_ROUTES } from './provider.js';
import { allScopeTokens, parseScope, type ServedProvider } from './scope.js';
import { toX5tS256 } from './thumbprint.js';
import { receivedTokenRequest, receiveTokenRequestEvent, tokenEndpoint, traceIdsOf } from './token-endpoint.js';
import { createTokenErrorHandler } from './token-error-handler.js';
import { withTokenRequestDuties } from './token-request-duties.js';

export interface AuthorizationServerDeps {
  /** False while new flows must wait (the MedMij log outbox is full and the operator chose refuse-new-flows). */
  readonly acceptingNewFlows?: () => boolean;
  readonly oauth: OAuthConfig;
  readonly mode: 'development' | 'test' | 'production';
  /** e.g. https://localhost:8443: the patient (frontchannel) listener. */
  readonly patientPublicUrl: string;
  /** e.g. https://localhost:9443: the node (backchannel, mTLS) listener. */
  readonly nodePublicUrl: string;
  readonly providers: readonly ServedProvider[];
  /** Texts and branding of the pages (`pages:`); the built-in defaults when absent. */
  readonly pages?: PagesConfig;
  readonly currentOAuthClientList: () => OAuthClientList | undefined;
  readonly currentServiceNames: () => Gegevensdienstnamenlijst | undefined;
  readonly store: KeyValueStore;
  readonly checkAvailability: CheckAvailability;
  /** Delen's acceptance check; without it no share is accepted (fail closed). */
  readonly checkShareAcceptance?: CheckShareAcceptance;
  readonly peerOf: PeerOf;
  /** The client certificate behind peerOf(req), for RFC 8705 binding (gateway/tls peerCertificateOf). */
  readonly peerCertificateOf: (req: IncomingMessage) => X509Certificate | undefined;
  readonly audit: AuditLog;
  readonly log: Logger;
  /** The filled `endpoints.authorizationPath` / `tokenPath` of every service; `/oauth/authorize`, `/oauth/token` when absent. */
  readonly authorizationPaths?: readonly string[];
  readonly tokenPaths?: readonly string[];
}

export interface AuthorizationServer {
  /** Mount at / on the patient listener (server TLS only). */
  readonly patientRouter: express.Router;
  /** Mount at / on the node listener (mTLS + whitelist enforced on the connection). */
  readonly nodeRouter: express.Router;
  readonly verifier: AccessTokenVerifier;
  /** Re-reads `oauth.keysFile` and rotates the cookie keys without a restart (wire to SIGHUP). */
  reloadKeys(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The MedMij authorization server (digest §2): oidc-provider configured for plain OAuth 2.0 code
 * grant with MedMij's checks in front and its pages in between. Endpoints answer only on their
 * own listener: authorization, interaction pages and metadata on the patient router, the token
 * endpoint on the node router.
 */
export async function createAuthorizationServer(deps: AuthorizationServerDeps): Promise<AuthorizationServer> {
  const { oauth } = deps;
  if (deps.mode === 'production' && oauth.identityProvider.kind === 'digid-simulator') {
    throw new Error('oauth.identityProvider digid-simulator is refused in production');
  }
  const patientUrl = deps.patientPublicUrl.replace(/\/+$/, '');
  const scopes = allScopeTokens(deps.providers);
  const longTermMs = oauth.longTermConsentDays * 86_400_000;
  const grants = createGrantDetailsStore(deps.store, longTermMs + 86_400_000);
  const states = createInteractionStateStore(deps.store, oauth.interactionTtlSeconds * 1000);
  const cookieKeys = await initialCookieKeys(oauth, deps.mode);
  const pages = await createPageKit({ pages: deps.pages, providers: deps.providers, longTermConsentDays: oauth.longTermConsentDays });

  const provider = createProvider({
    issuer: patientUrl,
    scopes,
    store: deps.store,
    clientFor: (clientId) => (deps.currentOAuthClientList()?.byHostname(clientId) ? { clientId } : undefined),
    redirectUriAllowed: isAllowedRedirectUri,
    ttl: {
      accessTokenSeconds: oauth.accessTokenTtlSeconds,
      authorizationCodeSeconds: oauth.authorizationCodeTtlSeconds,
      interactionSeconds: oauth.interactionTtlSeconds,
      longTermConsentSeconds: oauth.longTermConsentDays * 86_400,
    },
    cookieKeys,
    // Long-term consent only; a Delen confirmation holds for one run (digest §1.2): never a refresh token.
    issueRefreshToken: async (grantId) => {
      const details = await grants.get(grantId);
      return details?.longTerm === true && details.share !== true;
    },
    accessTokenExtra: (req) => {
      if (!oauth.certificateBoundTokens) return undefined;
      const peer = deps.peerOf(req);
      const thumbprint = peer ? toX5tS256(peer.fingerprintSha256) : undefined;
      // tokenEndpoint() already refused requests without a usable certificate.
      return thumbprint ? { cnf: { 'x5t#S256': thumbprint } } : undefined;
    },
    renderError: (req, error) => {
      const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
      const scope = parseScope(query.get('scope') ?? undefined, deps.providers);
      const served = scope.ok ? deps.providers.find((p) => p.name === scope.value.providerName) : deps.providers.length === 1 ? deps.providers[0] : undefined;
      const ids = traceIdsOf(req);
      const traceId = query.get('MedMij-Request-ID') ?? ids.traceId;
      const sessionId = query.get('X-Correlation-ID') ?? ids.sessionId;
      deps.log.warn({ step: 'oauth_error_page', error: error.error, description: error.description }, 'OAuth error rendered as a page');
      deps.audit.record({ type: 'show_authorization_request_error_page', outcome: 'failure', ...auditFields({ traceId: traceId ?? undefined, sessionId: sessionId ?? undefined }), reason: error.error });
      const lang = pickLang(query.get('ui_locales') ?? query.get('lang'), req.headers['accept-language']);
      return renderFailurePage(pages.view({ lang, providerName: served?.name, switchHref: `?lang=${lang === 'nl' ? 'en' : 'nl'}` }), {
        ...(parseTraceId(traceId) ? { traceId: traceId! } : {}),
        ...(parseTraceId(sessionId) ? { sessionId: sessionId! } : {}),
      });
    },
    extraParams: MEDMIJ_ID_PARAMS,
    requirePkce: oauth.requirePkce,
    refreshTokenBinding: oauth.refreshTokenBinding,
    onStorageOutage: (req, route) => {
      // Logged as the storage failure it is (the store logs the cause once per outage).
      deps.log.error({ step: 'storage', reason: 'storage_unavailable', route }, 'authorization server answered 503: storage unavailable');
      if (route === 'token') {
        deps.audit.record({ type: 'send_token_response', outcome: 'failure', ...auditFields({ ...traceIdsOf(req), peerHost: deps.peerOf(req)?.hostnames.join(',') }), reason: 'storage_unavailable', status: 503 });
      }
    },
    certificateForClient: (req, clientId) => {
      const peer = deps.peerOf(req);
      const certificate = deps.peerCertificateOf(req);
      if (!peer || !certificate) return { refused: 'no_certificate' };
      return certificateActsForClient(clientId, peer.hostnames, oauth.clientCertificateHosts) ? { certificate } : { refused: 'not_this_client' };
    },
  });

  provider.onAuthorizationSuccess((_req, params) => {
    const scope = typeof params.scope === 'string' ? parseScope(params.scope, deps.providers) : undefined;
    deps.audit.record({
      type: 'send_authorization_response',
      outcome: 'success',
      ...auditFields({
        sessionId: asString(params['X-Correlation-ID']),
        traceId: asString(params['MedMij-Request-ID']),
        clientId: asString(params.client_id),
        providerId: scope?.ok ? scope.value.providerName : undefined,
      }),
    });
  });
  const tokenIds = (event: { req: IncomingMessage; clientId?: string; grantType?: string }) => ({
    ...auditFields({ ...traceIdsOf(event.req), clientId: event.clientId, peerHost: deps.peerOf(event.req)?.hostnames.join(',') }),
    ...(event.grantType ? { grantType: event.grantType, detail: event.grantType } : {}),
  });
  provider.onTokenSuccess((event) => {
    const ids = tokenIds(event);
    deps.audit.record(receiveTokenRequestEvent(event.req, ids));
    const requestId = receivedTokenRequest(event.req)?.requestId;
    deps.audit.record({ type: 'send_token_response', outcome: 'success', ...ids, ...(requestId ? { requestId } : {}), status: 200 });
  });
  provider.onTokenError((event) => {
    const ids = tokenIds(event);
    deps.audit.record(receiveTokenRequestEvent(event.req, ids));
    const requestId = receivedTokenRequest(event.req)?.requestId;
    deps.audit.record({
      type: 'send_token_request_error',
      outcome: 'refused',
      ...ids,
      ...(requestId ? { requestId } : {}),
      ...(event.error ? { reason: event.error } : {}),
      // RFC 6749 §5.2: 401 for invalid_client, 400 for the other client errors; 500 for ours.
      status: event.error === 'invalid_client' ? 401 : event.error === 'server_error' ? 500 : 400,
    });
  });

  const identity: IdentityProvider =
    oauth.identityProvider.kind === 'oidc'
      ? createOidcIdentityProvider(oauth.identityProvider, `${patientUrl}/interaction/oidc-callback`, deps.log)
      : createDigidSimulator();

  const patientRouter = express.Router();
  patientRouter.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'"],
          scriptSrc: ["'none'"],
          // Chrome applies form-action to the redirects after a POST, which end at the PGO.
          formAction: ["'self'", 'https:'],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
        },
      },
      frameguard: { action: 'deny' },
      // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on our own
      // form posts, and the forms' Origin check needs the real origin. Other sites still get nothing.
      referrerPolicy: { policy: 'same-origin' },
    }),
  );
  patientRouter.get(STYLESHEET_PATH, (_req, res) => {
    res.type('text/css').set('Cache-Control', 'public, max-age=3600').send(STYLESHEET);
  });
  patientRouter.get(`${BRAND_ASSET_PREFIX}:file`, (req, res, next) => {
    const asset = pages.brands.assets.get(req.path);
    if (!asset) return next();
    res.type(asset.type).set('Cache-Control', 'public, max-age=3600').send(asset.body);
  });
  // GET /: a page that says what this site is and where to start (not a bare 404).
  patientRouter.get('/', (req, res) => {
    const lang = pickLang(req.query.lang, req.get('accept-language'));
    res.type('html').send(renderMessagePage(pages.view({ lang, switchHref: `?lang=${lang === 'nl' ? 'en' : 'nl'}` }), 'home'));
  });
  const authorizationPaths = deps.authorizationPaths ?? [PROVIDER_ROUTES.authorization];
  const tokenPaths = deps.tokenPaths ?? [PROVIDER_ROUTES.token];
  patientRouter.get('/.well-known/oauth-authorization-server', (_req, res) => {
    res.json(
      authorizationServerMetadata({
        patientPublicUrl: patientUrl,
        nodePublicUrl: deps.nodePublicUrl,
        scopes,
        certificateBoundTokens: oauth.certificateBoundTokens,
        authorizationPath: authorizationPaths[0]!,
        tokenPath: tokenPaths[0]!,
      }),
    );
  });
  patientRouter.get(
    onPaths(authorizationPaths),
    authorizeEndpoint({
      view: pages.view,
      handler: onProviderRoute(provider.handler, PROVIDER_ROUTES.authorization),
      currentOAuthClientList: deps.currentOAuthClientList,
      providers: deps.providers,
      audit: deps.audit,
      ...(deps.acceptingNewFlows ? { acceptingNewFlows: deps.acceptingNewFlows } : {}),
    }),
  );
  // oidc-provider's resume step after the interaction (issues the code and redirects).
  patientRouter.get('/oauth/authorize/:uid', (req, res) => provider.handler(req, res));
  patientRouter.use(
    createInteractionRouter({
      provider,
      states,
      grants,
      identity,
      providers: deps.providers,
      currentOAuthClientList: deps.currentOAuthClientList,
      currentServiceNames: deps.currentServiceNames,
      checkAvailability: deps.checkAvailability,
      checkShareAcceptance: deps.checkShareAcceptance ?? (async () => undefined),
      availabilityTimeoutMs: oauth.availabilityTimeoutMs,
      oidcCallbackUrl: `${patientUrl}/interaction/oidc-callback`,
      patientOrigin: new URL(patientUrl).origin,
      acceptServedOrigin: deps.mode !== 'production',
      view: pages.view,
      audit: deps.audit,
      log: deps.log,
    }),
  );
  patientRouter.use(createPageErrorHandler(deps.log, pages.view));

  const nodeRouter = express.Router();
  nodeRouter.post(onPaths(tokenPaths), tokenEndpoint({ handler: withTokenRequestDuties(onProviderRoute(provider.handler, PROVIDER_ROUTES.token), { refreshCodeAlias: oauth.compatibility.refreshCodeGrantType, audit: deps.audit }), peerOf: deps.peerOf, certificateBoundTokens: oauth.certificateBoundTokens, audit: deps.audit }));
  // RFC 6749 §3.2: the token endpoint is POST only. Answering here also keeps Express's
  // automatic OPTIONS reply (200 "POST") off the node interface.
  nodeRouter.all(onPaths(tokenPaths), (_req, res) => {
    res.status(405).set({ Allow: 'POST', 'Cache-Control': 'no-store' }).json({ error: 'invalid_request', error_description: 'the token endpoint accepts POST only' });
  });
  nodeRouter.use(createTokenErrorHandler(deps.log));

  return {
    patientRouter,
    nodeRouter,
    verifier: createAccessTokenVerifier({ store: deps.store, currentOAuthClientList: deps.currentOAuthClientList, certificateBoundTokens: oauth.certificateBoundTokens }),
    async reloadKeys() {
      if (oauth.keysFile === undefined) return;
      provider.setCookieKeys(await readKeysFile(oauth.keysFile));
      deps.log.info({ step: 'oauth_keys' }, 'cookie keys reloaded');
    },
    async close() {
      // Nothing of our own to release: the store belongs to the caller.
    },
  };
}

/**
 * Express route paths are patterns (path-to-regexp); configured paths are literal, so they are
 * matched as exact strings instead.
 */
function onPaths(paths: readonly string[]): RegExp {
  const escaped = paths.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^(?:${escaped.join('|')})$`);
}

/** Hands a request on a configured public path to the library under its own route, query kept. */
function onProviderRoute<R extends IncomingMessage, S>(handler: (req: R, res: S) => void, route: string): (req: R, res: S) => void {
  return (req, res) => {
    const q = (req.url ?? '').indexOf('?');
    req.url = q < 0 ? route : `${route}${(req.url ?? '').slice(q)}`;
    handler(req, res);
  };
}

function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

async function initialCookieKeys(oauth: OAuthConfig, mode: string): Promise<string[]> {
  if (oauth.keysFile !== undefined) return readKeysFile(oauth.keysFile);
  if (oauth.cookieKeys !== undefined) return [...oauth.cookieKeys];
  if (mode === 'production') throw new Error('oauth.cookieKeys or oauth.keysFile is required in production');
  // Development and tests: per-process keys (sessions do not survive a restart).
  return [randomBytes(32).toString('base64url')];
}

/** `{"cookieKeys": ["newest", "older", ...]}`: newest signs, all verify. */
async function readKeysFile(file: string): Promise<string[]> {
  const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
  const keys = (parsed as { cookieKeys?: unknown }).cookieKeys;
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string' && k.length >= 32)) {
    throw new Error('oauth.keysFile must hold {"cookieKeys": [at least one string of 32+ characters]}');
  }
  return keys as string[];
}
