import { generateKeyPairSync, type X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider, { errors, type Configuration, type KoaContextWithOIDC, type ClientMetadata } from 'oidc-provider';
import { isStorageUnavailable, STORAGE_RETRY_AFTER_SECONDS, type KeyValueStore } from '../storage/index.js';
import { RefreshTokenAdapter, type RefreshTokenBinding } from './refresh-token-binding.js';
import { KeyValueStoreAdapter } from './storage-adapter.js';

/**
 * The only `import 'oidc-provider'` (house rule 1). Everything else in gateway/oauth talks to the
 * narrow `OAuthProvider` below, so the library's types and Koa never leak out.
 */
/** Our query response mode without `iss`; the PGO never sees this name. */
export const MEDMIJ_RESPONSE_MODE = 'medmij_query';

export interface ProviderOptions {
  readonly issuer: string;
  /** Every scope token the server recognises (provider names and name~service). */
  readonly scopes: readonly string[];
  readonly store: KeyValueStore;
  /** Client metadata for a client_id, read from the OCL at lookup time; undefined = unknown client. */
  readonly clientFor: (clientId: string) => { readonly clientId: string } | undefined;
  /** MedMij redirect rule (any https URI on the client host); replaces registered-URI matching. */
  readonly redirectUriAllowed: (clientId: string, redirectUri: string) => boolean;
  readonly ttl: {
    readonly accessTokenSeconds: number;
    readonly authorizationCodeSeconds: number;
    readonly interactionSeconds: number;
    readonly longTermConsentSeconds: number;
  };
  readonly cookieKeys: readonly string[];
  /** Refresh tokens only with long-term consent (digest §2.6). */
  readonly issueRefreshToken: (grantId: string) => Promise<boolean>;
  /** Claims kept with each access token (RFC 8705 cnf), computed from the token request. */
  readonly accessTokenExtra: (req: IncomingMessage) => Record<string, unknown> | undefined;
  /** Renders an error page for errors that cannot go back to the client. */
  readonly renderError: (req: IncomingMessage, error: { readonly error: string; readonly description?: string }) => string;
  /** Parameters, beyond OAuth's, that the authorization request keeps for the interaction. */
  readonly extraParams: readonly string[];
  /** Refuse authorization requests without an S256 `code_challenge` (RFC 7636; `oauth.requirePkce`). */
  readonly requirePkce: boolean;
  /** What a refresh token is bound to: the client's certified host identity, or one certificate (refresh-token-binding.ts). */
  readonly refreshTokenBinding: RefreshTokenBinding;
  /**
   * The TLS client certificate of a token request, judged for the client it claims to be
   * (client-certificate.ts). Called by oidc-provider on every code and refresh redemption,
   * before the code or refresh token is consumed.
   */
  readonly certificateForClient: (req: IncomingMessage, clientId: string) => CertificateVerdict;
  /** Told of every request that failed because the store was unavailable (answered 503). */
  readonly onStorageOutage: (req: IncomingMessage, route: string | undefined) => void;
}

export type CertificateVerdict =
  | { readonly certificate: X509Certificate }
  | { readonly refused: 'no_certificate' | 'not_this_client' };

export interface InteractionDetails {
  readonly uid: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly promptName: string;
  /** True once the interaction was finished (consent, denial, cancel): only the resume step may follow. */
  readonly finished: boolean;
}

export interface TokenEvent {
  readonly req: IncomingMessage;
  readonly clientId?: string;
  readonly grantType?: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly error?: string;
}

export interface OAuthProvider {
  /** The Node request handler (Koa app callback) for the provider's own routes. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
  finishInteraction(req: IncomingMessage, res: ServerResponse, result: InteractionResult): Promise<void>;
  /** Creates and saves the grant for the consent given; returns its id. */
  createGrant(accountId: string, clientId: string, scope: string): Promise<string>;
  setCookieKeys(keys: readonly string[]): void;
  onAuthorizationSuccess(listener: (req: IncomingMessage, params: Readonly<Record<string, unknown>>) => void): void;
  onTokenSuccess(listener: (event: TokenEvent) => void): void;
  onTokenError(listener: (event: TokenEvent) => void): void;
}

export type InteractionResult =
  | { readonly error: 'access_denied' | 'unauthorized_client'; readonly description: string }
  | { readonly accountId: string; readonly grantId: string };

/** Opaque tokens are random; no JWT is ever signed, so an ephemeral key only silences the dev-key fallback. */
function ephemeralJwks() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { keys: [{ ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'ES256', kid: 'ephemeral' }] };
}

/**
 * The library's own routes. The public paths are configurable (endpoints.authorizationPath /
 * tokenPath); the routers in front rewrite each request to these before handing it over.
 */
export const PROVIDER_ROUTES = { authorization: '/oauth/authorize', token: '/oauth/token' } as const;

export function createProvider(options: ProviderOptions): OAuthProvider {
  const replayError = () => new errors.InvalidGrant('grant already used');
  const adapterOptions = {
    store: options.store,
    grantIndexTtlMs: options.ttl.longTermConsentSeconds * 1000 + 86_400_000,
    onReplay: replayError,
  };

  const refreshDecisions = createRefreshDecisions(options.issueRefreshToken);
  const configuration: Configuration = {
    adapter: (name: string) => {
      // Clients come from the OAuth client list at lookup time, never from storage (no registration).
      if (name === 'Client') {
        return {
          find: async (id: string) => {
            const client = options.clientFor(id);
            return client ? clientMetadata(client.clientId) : undefined;
          },
          upsert: async () => undefined,
          findByUid: async () => undefined,
          findByUserCode: async () => undefined,
          consume: async () => undefined,
          destroy: async () => undefined,
          revokeByGrantId: async () => undefined,
        };
      }
      if (name === 'RefreshToken') return new RefreshTokenAdapter(options.refreshTokenBinding, adapterOptions) as unknown as ReturnType<Extract<Configuration['adapter'], (n: string) => unknown>>;
      return new KeyValueStoreAdapter(name, adapterOptions) as unknown as ReturnType<Extract<Configuration['adapter'], (n: string) => unknown>>;
    },
    jwks: ephemeralJwks() as Configuration['jwks'],
    cookies: { keys: [...options.cookieKeys] },
    scopes: [...options.scopes],
    claims: {},
    extraParams: [...options.extraParams],
    responseTypes: ['code'],
    // MedMij does not mention PKCE (digest §2.6); oidc-provider verifies it whenever the
    // authorization request carried a challenge (RFC 7636 §4.6), and `oauth.requirePkce` makes
    // a challenge mandatory (only S256: `plain` protects nothing against a leaked request).
    pkce: { required: () => options.requirePkce },
    // MedMij: no client secret; client authentication is mTLS + whitelist on the node listener
    // (digest §2.6). `tls_client_auth` would tie the certificate name to client_id, which MedMij
    // says not to do (digest §5.2: front- and backchannel certificates may differ).
    clientDefaults: { id_token_signed_response_alg: 'ES256', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] },
    routes: { ...PROVIDER_ROUTES },
    interactions: { url: async (_ctx: KoaContextWithOIDC, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    // MedMij asks consent every time (digest §2): never reuse a grant from an earlier session.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    findAccount: async (_ctx: KoaContextWithOIDC, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
    expiresWithSession: async () => false,
    issueRefreshToken: async (ctx: KoaContextWithOIDC, client, code) =>
      client.grantTypeAllowed('refresh_token') && typeof code.grantId === 'string' && (await refreshDecisions.take(ctx, code.grantId)),
    // Rotate on every use (digest §2.6: each exchange yields a new refresh token).
    rotateRefreshToken: true,
    extraTokenClaims: async (ctx: KoaContextWithOIDC, token) => {
      if (token.kind !== 'AccessToken') return undefined;
      if (ctx.oidc.params?.['grant_type'] === 'authorization_code' && typeof token.grantId === 'string') refreshDecisions.start(ctx, token.grantId);
      // Long-term consent lapses after six months WITHOUT USE (digest §2.4, §2.6): every refresh
      // renews the grant for another period, as the rotated refresh token is renewed.
      const grant = ctx.oidc.params?.['grant_type'] === 'refresh_token' ? ctx.oidc.entities.Grant : undefined;
      if (grant) {
        // Without `exp`, oidc-provider saves the grant with its full configured lifetime from now.
        (grant as { exp?: number | undefined }).exp = undefined;
        await grant.save();
      }
      return options.accessTokenExtra(ctx.req);
    },
    renderError: async (ctx: KoaContextWithOIDC, out) => {
      ctx.type = 'html';
      ctx.body = options.renderError(ctx.req, {
        error: String(out.error),
        ...(typeof out.error_description === 'string' ? { description: out.error_description } : {}),
      });
    },
    ttl: {
      AccessToken: options.ttl.accessTokenSeconds,
      AuthorizationCode: options.ttl.authorizationCodeSeconds,
      Interaction: options.ttl.interactionSeconds,
      Session: options.ttl.interactionSeconds,
      Grant: options.ttl.longTermConsentSeconds,
      RefreshToken: options.ttl.longTermConsentSeconds,
    },
    // Features MedMij does not use are off: fewer doors (house rule 5).
    features: {
      // RFC 8705 §3 for public clients: the access token AND the refresh token are bound to the
      // certificate that redeemed the code, and oidc-provider compares the refresh token's
      // `x5t#S256` with the certificate of every refresh (issue 9, finding 2). getCertificate is
      // its hook on each redemption, before consumption: there the certificate is also judged for
      // the client_id it claims (finding 3), so a code or refresh token of one PGO cannot be
      // redeemed over another whitelisted PGO's connection.
      mTLS: {
        enabled: true,
        certificateBoundAccessTokens: true,
        getCertificate: (ctx: KoaContextWithOIDC) => {
          const clientId = ctx.oidc?.client?.clientId;
          if (clientId === undefined) return undefined;
          const verdict = options.certificateForClient(ctx.req, clientId);
          if ('certificate' in verdict) return verdict.certificate;
          if (verdict.refused === 'not_this_client') throw new errors.InvalidGrant('the client certificate does not belong to this client');
          return undefined;
        },
      },
      devInteractions: { enabled: false },
      userinfo: { enabled: false },
      introspection: { enabled: false },
      revocation: { enabled: false },
      registration: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      resourceIndicators: { enabled: false },
      clientCredentials: { enabled: false },
      deviceFlow: { enabled: false },
      backchannelLogout: { enabled: false },
      claimsParameter: { enabled: false },
      encryption: { enabled: false },
      jwtResponseModes: { enabled: false },
      requestObjects: { enabled: false },
    },
  } as Configuration;

  const provider = new Provider(options.issuer, configuration);
  // MedMij allows any https URI on the client's host (digest §2.2) rather than registered URIs.
  const clientPrototype = provider.Client.prototype as unknown as { redirectUriAllowed(this: { clientId: string }, uri: string): boolean };
  clientPrototype.redirectUriAllowed = function redirectUriAllowed(uri: string) {
    return options.redirectUriAllowed(this.clientId, uri);
  };
  // MedMij redirects carry code and state only (digest §2.5), or error, error_description and
  // state; RFC 9207 `iss`, which oidc-provider adds to every response, is left out. The
  // authorization endpoint forwards `response_mode=${MEDMIJ_RESPONSE_MODE}` so both success and
  // error redirects go through this one handler.
  provider.registerResponseMode(MEDMIJ_RESPONSE_MODE, (ctx, redirectUri, payload) => {
    const url = new URL(redirectUri);
    for (const [key, value] of Object.entries(payload)) {
      if (key !== 'iss' && value !== undefined) url.searchParams.set(key, String(value));
    }
    ctx.status = 303;
    ctx.redirect(url.href);
  });

  // Issue 9, finding 8: a store outage inside oidc-provider (codes, grants, tokens live there)
  // became 500 server_error, which tells a PGO its request was wrong for good. RFC 6749 §4.1.2.1
  // and §5.2 practice: `temporarily_unavailable`, 503 with Retry-After; pages keep their error
  // page but with 503. oidc-provider reports such failures only through 'server_error'.
  const storageOutages = new WeakSet<object>();
  provider.on('server_error', (ctx: KoaContextWithOIDC, err: unknown) => {
    if (isStorageUnavailable(err)) storageOutages.add(ctx);
  });
  provider.use(async (ctx, next) => {
    await next();
    if (!storageOutages.has(ctx)) return;
    ctx.status = 503;
    ctx.set('Retry-After', String(STORAGE_RETRY_AFTER_SECONDS));
    ctx.set('Cache-Control', 'no-store');
    if (ctx.body !== null && typeof ctx.body === 'object' && !Buffer.isBuffer(ctx.body)) {
      ctx.body = { error: 'temporarily_unavailable', error_description: 'the authorization server is temporarily unavailable; try again later' };
    }
    options.onStorageOutage(ctx.req, (ctx as KoaContextWithOIDC).oidc?.route);
  });

  const tokenEvent = (ctx: KoaContextWithOIDC, error?: string): TokenEvent => {
    const params = (ctx.oidc?.params ?? {}) as Record<string, unknown>;
    const clientId = ctx.oidc?.client?.clientId;
    const grantType = typeof params.grant_type === 'string' ? params.grant_type : undefined;
    return { req: ctx.req, params, ...(clientId ? { clientId } : {}), ...(grantType ? { grantType } : {}), ...(error ? { error } : {}) };
  };

  return {
    handler: provider.callback(),
    async interactionDetails(req, res) {
      const details = await provider.interactionDetails(req, res);
      return { uid: details.uid, params: details.params as Record<string, unknown>, promptName: details.prompt.name, finished: details.result !== undefined };
    },
    async finishInteraction(req, res, result) {
      if ('error' in result) {
        await provider.interactionFinished(req, res, { error: result.error, error_description: result.description }, { mergeWithLastSubmission: false });
        return;
      }
      // `remember: false`: the browser session ends with the flow; the next authorization logs in again.
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: result.accountId, remember: false }, consent: { grantId: result.grantId } },
        { mergeWithLastSubmission: false },
      );
    },
    async createGrant(accountId, clientId, scope) {
      const grant = new provider.Grant({ accountId, clientId });
      grant.addOIDCScope(scope);
      return grant.save();
    },
    setCookieKeys(keys) {
      // Koa reads app.keys per request, so assigning rotates without a restart; older keys
      // stay in the list so cookies signed before the rotation still verify.
      provider.keys = [...keys];
    },
    onAuthorizationSuccess(listener) {
      provider.on('authorization.success', (ctx: KoaContextWithOIDC) => listener(ctx.req, (ctx.oidc?.params ?? {}) as Record<string, unknown>));
    },
    onTokenSuccess(listener) {
      provider.on('grant.success', (ctx: KoaContextWithOIDC) => listener(tokenEvent(ctx)));
    },
    onTokenError(listener) {
      provider.on('grant.error', (ctx: KoaContextWithOIDC, err: { error?: string }) => listener(tokenEvent(ctx, err.error ?? 'server_error')));
    },
  };
}

/**
 * The refresh-token decision of a code exchange, started while the access token is saved rather
 * after it: its read of the grant details then goes to the store with the token's write, one
 * round trip instead of two. Held per request (the Koa context) and taken once; a request that
 * started none, or for another grant, decides then. Not a cache: nothing outlives the request.
 */
function createRefreshDecisions(decide: (grantId: string) => Promise<boolean>) {
  type Settled = { readonly ok: true; readonly value: boolean } | { readonly ok: false; readonly error: unknown };
  const started = new WeakMap<object, { readonly grantId: string; readonly settled: Promise<Settled> }>();
  return {
    start(ctx: object, grantId: string): void {
      // Settled, never rejected, so a request that fails before asking leaves no unhandled rejection.
      const settled = decide(grantId).then(
        (value): Settled => ({ ok: true, value }),
        (error: unknown): Settled => ({ ok: false, error }),
      );
      started.set(ctx, { grantId, settled });
    },
    async take(ctx: object, grantId: string): Promise<boolean> {
      const early = started.get(ctx);
      started.delete(ctx);
      if (early?.grantId !== grantId) return decide(grantId);
      const result = await early.settled;
      if (!result.ok) throw result.error;
      return result.value;
    },
  };
}

function clientMetadata(clientId: string): ClientMetadata {
  return {
    client_id: clientId,
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    // Every code and refresh redemption goes through features.mTLS.getCertificate (see above).
    tls_client_certificate_bound_access_tokens: true,
    // Never used (no ID tokens are issued) but must name an algorithm of the ephemeral key.
    id_token_signed_response_alg: 'ES256',
    // Placeholder to satisfy client validation; redirectUriAllowed above applies the MedMij rule.
    redirect_uris: [`https://${clientId}/`],
  };
}
