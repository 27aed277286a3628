import * as client from 'openid-client';
import type { Logger } from '../../observability/index.js';
import { parseBsn } from '../bsn.js';
import { acceptableAcrValues, type AssuranceLevel } from './assurance-level.js';
import type { IdentityProvider, LoginOutcome, PendingLogin } from './identity-provider.js';

export interface OidcIdentityProviderConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly bsnClaim: string;
  readonly scope: string;
  readonly timeoutMs: number;
  /** The lowest DigiD level accepted; asked for with `acr_values` and checked on the ID token's `acr`. */
  readonly assuranceLevel: AssuranceLevel;
  readonly acrValues: Readonly<Record<AssuranceLevel, string>>;
}

/**
 * An upstream OpenID Connect provider (a DigiD broker) that yields the BSN as an ID token claim.
 * Authorization code flow with PKCE (S256), nonce and state; discovery from the issuer; the ID
 * token is validated by openid-client (signature, iss, aud, exp, nonce). The only import of
 * `openid-client`. Plain-http issuers are allowed only where the config allowed them (loopback,
 * outside production).
 */
export function createOidcIdentityProvider(config: OidcIdentityProviderConfig, callbackUrl: string, log: Logger): IdentityProvider {
  let discovered: Promise<client.Configuration> | undefined;
  const insecure = new URL(config.issuer).protocol === 'http:';
  const acceptable = acceptableAcrValues(config.assuranceLevel, config.acrValues);

  const configuration = (): Promise<client.Configuration> => {
    discovered ??= client
      .discovery(new URL(config.issuer), config.clientId, undefined, client.ClientSecretBasic(config.clientSecret), {
        timeout: Math.ceil(config.timeoutMs / 1000),
        ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
      })
      .catch((error: unknown) => {
        discovered = undefined; // retry discovery on the next login
        throw error;
      });
    return discovered;
  };

  return {
    kind: 'oidc',
    async begin() {
      const cfg = await configuration();
      const codeVerifier = client.randomPKCECodeVerifier();
      const nonce = client.randomNonce();
      const state = client.randomState();
      const url = client.buildAuthorizationUrl(cfg, {
        redirect_uri: callbackUrl,
        scope: config.scope,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        nonce,
        state,
        // OpenID Connect Core §3.1.2.1: the levels we accept, lowest acceptable first.
        acr_values: acceptable.join(' '),
      });
      return { kind: 'redirect', url: url.href, pending: { codeVerifier, nonce, state } };
    },
    async complete(currentUrl: URL, pending: PendingLogin): Promise<LoginOutcome> {
      const error = currentUrl.searchParams.get('error');
      if (error === 'access_denied') return { ok: false, reason: 'cancelled' };
      if (error !== null) return { ok: false, reason: 'failed' };
      const { codeVerifier, nonce, state } = pending;
      if (!codeVerifier || !nonce || !state) return { ok: false, reason: 'failed' };
      try {
        const cfg = await configuration();
        const tokens = await client.authorizationCodeGrant(cfg, currentUrl, {
          pkceCodeVerifier: codeVerifier,
          expectedNonce: nonce,
          expectedState: state,
          idTokenExpected: true,
        });
        const claims = tokens.claims();
        // acr_values is only a request (Core §5.5.1.1): the ID token's acr decides, fail closed.
        const acr = claims?.acr;
        if (typeof acr !== 'string' || !acceptable.includes(acr)) {
          log.warn({ step: 'oidc_login', required: config.assuranceLevel }, 'identity provider logged in below the required assurance level');
          return { ok: false, reason: 'assurance_too_low' };
        }
        const bsn = parseBsn(claims?.[config.bsnClaim]);
        if (!bsn) {
          log.warn({ step: 'oidc_login' }, 'identity provider returned no valid BSN claim');
          return { ok: false, reason: 'failed' };
        }
        return { ok: true, bsn };
      } catch (err) {
        // The message may name the failed check; it never contains the code or tokens.
        log.warn({ step: 'oidc_login', err: err instanceof Error ? err.message : 'unknown' }, 'upstream login failed');
        return { ok: false, reason: 'failed' };
      }
    },
  };
}
