import { z } from 'zod';
import type { ConfigFields } from './config-fields.js';
import { field, type ConfigRule } from '../rules/config-rule.js';

/**
 * `oauth:` — the MedMij authorization server (digest §2). Every key has a default fit for
 * development; production refuses the ones that are only fit for a laptop (checkOAuthSafety).
 *
 * ```yaml
 * oauth:
 *   identityProvider: { kind: digid-simulator }        # or the oidc block below
 *   # identityProvider:
 *   #   kind: oidc                                      # an upstream OpenID Connect broker that yields the BSN
 *   #   issuer: https://broker.example.nl               # discovery at {issuer}/.well-known/openid-configuration
 *   #   clientId: dvza-gateway
 *   #   clientSecret: ${env:OIDC_CLIENT_SECRET}
 *   #   bsnClaim: bsn                                   # the ID token claim that holds the BSN
 *   #   scope: openid                                   # scopes asked of the broker
 *   #   timeoutMs: 5000
 *   #   assuranceLevel: substantieel                    # lowest DigiD level accepted: basis | midden | substantieel | hoog
 *   #   acrValues: { substantieel: "http://eidas.europa.eu/LoA/substantial" }   # the broker's acr per level
 *   accessTokenTtlSeconds: 900                          # MedMij de facto norm: 15 minutes
 *   authorizationCodeTtlSeconds: 60                     # at most 60
 *   interactionTtlSeconds: 900                          # time a person has for landing → login → consent
 *   longTermConsentDays: 183                            # refresh token / grant lifetime ("half a year")
 *   certificateBoundTokens: true                        # RFC 8705 cnf.x5t#S256 on every access token
 *   requirePkce: false                                  # true: refuse authorization requests without an S256 code_challenge
 *   refreshTokenBinding: client                         # client: the PGO's certified host (survives certificate renewal) | certificate: one thumbprint
 *   clientCertificateHosts:                             # client_id → other backchannel certificate host names that act for it
 *     pgo.voorbeeld.nl: [node.voorbeeld.nl]              # (default: only a certificate naming client_id redeems its codes)
 *   availabilityTimeoutMs: 5000                         # deadline for the EHR availability check
 *   cookieKeys: [${env:OAUTH_COOKIE_KEY}]               # newest first; ≥ 32 characters each
 *   keysFile: /run/secrets/oauth-keys.json              # optional: {"cookieKeys": [...]}, re-read on reloadKeys()
 *   compatibility: { refreshCodeGrantType: false }      # known PGO deviations accepted on purpose (README)
 * ```
 */
export function oauthSection(fields: ConfigFields) {
  const secret = z.string().min(32, 'at least 32 characters');
  /** The MedMij list hostname type (digest §4.2): lowercase labels, at least two. */
  const hostname = z.string().regex(/^(?:[a-z0-9][a-z0-9-]*\.)+[a-z0-9][a-z0-9-]*[a-z0-9]$/, 'a lowercase host name as on the MedMij lists');

  const digidSimulator = z.strictObject({ kind: z.literal('digid-simulator') });
  const acr = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,200}$/, 'one acr value (no spaces)');

  const oidc = z.strictObject({
    kind: z.literal('oidc'),
    /** https; plain http only for a loopback broker outside production (checkOAuthSafety). */
    issuer: z.url({ protocol: /^https?$/ }),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    bsnClaim: z.string().regex(/^[A-Za-z0-9_:.-]{1,64}$/).default('bsn'),
    scope: z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/).default('openid'),
    timeoutMs: z.number().int().positive().max(9_000).default(5000),
    /** Lowest DigiD level accepted (Basis < Midden < Substantieel < Hoog); Basis is refused in production. */
    assuranceLevel: z.enum(['basis', 'midden', 'substantieel', 'hoog']).default('substantieel'),
    /** The broker's `acr` value per level; defaults are DigiD's SAML authentication context classes. */
    acrValues: z
      .strictObject({
        basis: acr.default('urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport'),
        midden: acr.default('urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract'),
        substantieel: acr.default('urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard'),
        hoog: acr.default('urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI'),
      })
      .prefault({}),
  });

  return z
    .strictObject({
      identityProvider: z.discriminatedUnion('kind', [digidSimulator, oidc]).default({ kind: 'digid-simulator' }),
      accessTokenTtlSeconds: z.number().int().min(60).max(3600).default(900),
      /** Digest §2.6: code lifetime UNCONFIRMED, "choose ≤ 60 s". */
      authorizationCodeTtlSeconds: z.number().int().min(1).max(60).default(60),
      interactionTtlSeconds: z.number().int().min(60).max(3600).default(900),
      /** Digest §2.6: a refresh yields a new refresh token valid half a year; consent lapses after six months. */
      longTermConsentDays: z.number().int().min(1).max(183).default(183),
      certificateBoundTokens: z.boolean().default(true),
      /** RFC 7636: a challenge, when sent, is always verified; this makes it mandatory. */
      requirePkce: z.boolean().default(false),
      /**
       * RFC 8705 and certificate renewal (oauth/refresh-token-binding.ts): `client` binds refresh
       * tokens to the client's identity (a valid MedMij-CA certificate, on the Whitelist, that acts
       * for the client_id), so a PGO's yearly renewed certificate keeps its patients' long-term
       * consents; `certificate` binds them to one certificate's thumbprint.
       */
      refreshTokenBinding: z.enum(['client', 'certificate']).default('client'),
      /**
       * Digest §5.2: a PGO's backchannel certificate may name another host than its client_id.
       * Such a PGO's codes and refresh tokens are redeemable only over a certificate naming one of
       * the hosts listed for it here (oauth/client-certificate.ts); that host must be whitelisted.
       */
      clientCertificateHosts: z.record(hostname, z.array(hostname).min(1)).default({}),
      availabilityTimeoutMs: z.number().int().positive().max(9_000).default(5000),
      cookieKeys: z.array(secret).min(1).optional(),
      keysFile: fields.filePath.optional(),
      /**
       * Named switches for known PGO deviations that are safe to accept (README "Known PGO
       * behaviours"); all off by default, and none widens what a patient consented to.
       */
      compatibility: z
        .strictObject({
          /** Read `grant_type=refresh_code` (the government PGO's refresh) as RFC 6749 `refresh_token`. */
          refreshCodeGrantType: z.boolean().default(false),
        })
        .prefault({}),
    })
    .prefault({});
}

export type OAuthConfig = z.output<ReturnType<typeof oauthSection>>;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Production refusals for `oauth:` (house rule 3, oidc-provider's mustChange): the DigiD
 * simulator lets anyone claim any BSN; random per-process cookie keys break every interaction on
 * another replica or after a restart; unbound tokens lose RFC 8705 protection; a plain-http broker
 * would carry the BSN in clear. Outside production only the loopback http broker is allowed.
 */
export const checkOAuthSafety: ConfigRule = (config, report) => {
  const production = field(config, 'mode') === 'production';
  const oauth = field(config, 'oauth');
  const idp = field(oauth, 'identityProvider');
  const issuer = field(idp, 'issuer');
  if (typeof issuer === 'string' && /^http:/i.test(issuer)) {
    let host = '';
    try {
      host = new URL(issuer).host.replace(/:\d+$/, '');
    } catch {
      /* the section's own url check reports it */
    }
    if (production || !LOOPBACK.has(host)) {
      report(['oauth', 'identityProvider', 'issuer'], 'the identity provider must be reached over https (plain http only for a loopback broker outside production)');
    }
  }
  if (!production) return;
  const refuse = (path: ReadonlyArray<string | number>, why: string) => report(path, `refused in production: ${why}`);
  if (idp === undefined || field(idp, 'kind') === 'digid-simulator') {
    refuse(['oauth', 'identityProvider', 'kind'], 'the DigiD simulator accepts any valid-looking BSN without authentication');
  }
  if (field(oauth, 'cookieKeys') === undefined && field(oauth, 'keysFile') === undefined) {
    refuse(['oauth', 'cookieKeys'], 'cookie keys must be configured (random per-process keys break sessions across replicas)');
  }
  if (field(idp, 'kind') === 'oidc' && field(idp, 'assuranceLevel') === 'basis') {
    refuse(['oauth', 'identityProvider', 'assuranceLevel'], 'DigiD Basis (password only) is too weak for health data; use midden or higher');
  }
  if (field(oauth, 'certificateBoundTokens') === false) {
    refuse(['oauth', 'certificateBoundTokens'], 'access tokens must be bound to the client certificate (RFC 8705)');
  }
};
