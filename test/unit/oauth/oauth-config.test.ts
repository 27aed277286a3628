import { describe, expect, it } from '@jest/globals';
import { configFields } from '../../../gateway/config/sections/config-fields.js';
import { checkOAuthSafety, oauthSection } from '../../../gateway/config/sections/oauth.js';

const schema = oauthSection(configFields('/etc/gateway'));
const issues = (config: unknown) => {
  const found: string[] = [];
  checkOAuthSafety(config, (path, message) => found.push(`${path.join('.')}: ${message}`));
  return found;
};

describe('oauth config section', () => {
  it('has MedMij defaults', () => {
    expect(schema.parse(undefined)).toEqual({
      identityProvider: { kind: 'digid-simulator' },
      accessTokenTtlSeconds: 900,
      authorizationCodeTtlSeconds: 60,
      interactionTtlSeconds: 900,
      longTermConsentDays: 183,
      certificateBoundTokens: true,
      requirePkce: false,
      refreshTokenBinding: 'client',
      clientCertificateHosts: {},
      availabilityTimeoutMs: 5000,
      // Known PGO deviations: every switch off by default.
      compatibility: { refreshCodeGrantType: false },
    });
  });
  it('rejects unknown keys, long code lifetimes and short cookie keys', () => {
    expect(schema.safeParse({ extra: 1 }).success).toBe(false);
    expect(schema.safeParse({ refreshTokenBinding: 'thumbprint' }).success).toBe(false);
    expect(schema.safeParse({ authorizationCodeTtlSeconds: 61 }).success).toBe(false);
    expect(schema.safeParse({ cookieKeys: ['short'] }).success).toBe(false);
    expect(schema.safeParse({ clientCertificateHosts: { 'PGO.nl': ['node.pgo.nl'] } }).success).toBe(false);
    expect(schema.safeParse({ clientCertificateHosts: { 'pgo.nl': [] } }).success).toBe(false);
  });
  it('resolves the keys file against the config folder', () => {
    expect(schema.parse({ keysFile: 'keys.json' }).keysFile).toBe('/etc/gateway/keys.json');
  });
  it('refuses the DigiD simulator, missing cookie keys and unbound tokens in production', () => {
    const found = issues({ mode: 'production', oauth: schema.parse({ certificateBoundTokens: false }) });
    expect(found.map((f) => f.split(':')[0])).toEqual(['oauth.identityProvider.kind', 'oauth.cookieKeys', 'oauth.certificateBoundTokens']);
  });
  it('accepts an oidc broker with keys in production', () => {
    const oauth = schema.parse({ identityProvider: { kind: 'oidc', issuer: 'https://broker.example', clientId: 'c', clientSecret: 's' }, cookieKeys: ['k'.repeat(32)] });
    expect(issues({ mode: 'production', oauth })).toEqual([]);
  });
  it('allows a plain-http broker only on loopback outside production', () => {
    const oauth = (issuer: string) => schema.parse({ identityProvider: { kind: 'oidc', issuer, clientId: 'c', clientSecret: 's' }, cookieKeys: ['k'.repeat(32)] });
    expect(issues({ mode: 'test', oauth: oauth('http://127.0.0.1:4000') })).toEqual([]);
    expect(issues({ mode: 'test', oauth: oauth('http://broker.example') })).toHaveLength(1);
    expect(issues({ mode: 'production', oauth: oauth('http://127.0.0.1:4000') })).toHaveLength(1);
  });
});
