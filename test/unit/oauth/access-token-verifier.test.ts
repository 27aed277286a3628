import { afterEach, describe, expect, it } from '@jest/globals';
import { createAccessTokenVerifier } from '../../../gateway/oauth/access-token-verifier.js';
import { KeyValueStoreAdapter } from '../../../gateway/oauth/storage-adapter.js';
import type { OAuthClientList } from '../../../gateway/lists/index.js';
import { MemoryStore } from '../../../gateway/storage/memory-store.js';
import type { KeyValueStore } from '../../../gateway/storage/index.js';

/**
 * The verifier reads the records oidc-provider writes (shapes as stored by the token endpoint)
 * and must refuse whatever oidc-provider's AccessToken.find / Grant.find and our own checks refused.
 */
const NOW_S = 1_900_000_000;
const TOKEN = 'AccessTokenValue_0123456789abcdefghijklmno';
const GRANT_ID = 'GrantId_0123456789abcdefghijklmnopqrstuvwxyz';
const THUMBPRINT = 'M1CqPXo2kCcf9lVTUPc_vLR25MTXiXlX8jUhw8qgG8M';

const accessToken = (over: Record<string, unknown> = {}) => ({
  iat: NOW_S - 10,
  exp: NOW_S + 890,
  accountId: 'patient-ref-1',
  grantId: GRANT_ID,
  gty: 'authorization_code',
  sessionUid: 'session-uid',
  kind: 'AccessToken',
  jti: TOKEN,
  clientId: 'pgo.listed.test',
  'x5t#S256': THUMBPRINT,
  scope: 'demoziekenhuis',
  extra: { cnf: { 'x5t#S256': THUMBPRINT } },
  ...over,
});
const grant = (over: Record<string, unknown> = {}) => ({
  iat: NOW_S - 20,
  exp: NOW_S + 15_000_000,
  accountId: 'patient-ref-1',
  clientId: 'pgo.listed.test',
  kind: 'Grant',
  jti: GRANT_ID,
  openid: { scope: 'demoziekenhuis' },
  ...over,
});
const details = (over: Record<string, unknown> = {}) => ({
  providerName: 'demoziekenhuis',
  serviceIds: ['48', 'mp9-3.0'],
  patientRef: 'patient-ref-1',
  sessionId: 'dbd0ae56-eed2-40c7-81be-5f432dcfb17e',
  longTerm: false,
  ...over,
});

const listed: OAuthClientList = { byHostname: (h: string) => (h === 'pgo.listed.test' ? { hostname: h, organisationName: 'PGO' } : undefined) } as unknown as OAuthClientList;

describe('access-token verifier', () => {
  const stores: MemoryStore[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  async function setup(records: { at?: object | null; grant?: object | null; details?: object | null } = {}, opts: { bound?: boolean; ocl?: OAuthClientList | undefined } = {}) {
    const store = new MemoryStore(() => NOW_S * 1000);
    stores.push(store);
    if (records.at !== null) await store.set(KeyValueStoreAdapter.keyFor('AccessToken', TOKEN), JSON.stringify(records.at ?? accessToken()));
    if (records.grant !== null) await store.set(KeyValueStoreAdapter.keyFor('Grant', GRANT_ID), JSON.stringify(records.grant ?? grant()));
    if (records.details !== null) await store.set(`oauth:grant-details:${GRANT_ID}`, JSON.stringify(records.details ?? details()));
    const verifier = createAccessTokenVerifier({
      store,
      currentOAuthClientList: () => ('ocl' in opts ? opts.ocl : listed),
      certificateBoundTokens: opts.bound ?? true,
      now: () => NOW_S * 1000 + 400,
    });
    return { store, verifier };
  }

  it('gives the grant context of a token as the token endpoint stores it', async () => {
    const { verifier } = await setup();
    expect(await verifier.verify(TOKEN)).toEqual({
      clientId: 'pgo.listed.test',
      providerName: 'demoziekenhuis',
      serviceIds: ['48', 'mp9-3.0'],
      patientRef: 'patient-ref-1',
      scope: 'demoziekenhuis',
      expiresAt: new Date((NOW_S + 890) * 1000),
      sessionId: 'dbd0ae56-eed2-40c7-81be-5f432dcfb17e',
      certificateThumbprint: THUMBPRINT,
    });
  });

  it('reads the store twice per request: the token, then grant and details together', async () => {
    const { store, verifier } = await setup();
    const calls: string[] = [];
    const counting: KeyValueStore = new Proxy(store, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(String(prop));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const counted = createAccessTokenVerifier({ store: counting, currentOAuthClientList: () => listed, certificateBoundTokens: true, now: () => NOW_S * 1000 });
    expect(await counted.verify(TOKEN)).toBeDefined();
    expect(calls).toEqual(['get', 'getMany']);
    expect(await verifier.verify(TOKEN)).toBeDefined();
  });

  it('refuses a revoked token or grant on the very next request (nothing is cached)', async () => {
    const { store, verifier } = await setup();
    expect(await verifier.verify(TOKEN)).toBeDefined();
    await store.del(KeyValueStoreAdapter.keyFor('Grant', GRANT_ID));
    expect(await verifier.verify(TOKEN)).toBeUndefined();
    await store.set(KeyValueStoreAdapter.keyFor('Grant', GRANT_ID), JSON.stringify(grant()));
    expect(await verifier.verify(TOKEN)).toBeDefined();
    await store.del(KeyValueStoreAdapter.keyFor('AccessToken', TOKEN));
    expect(await verifier.verify(TOKEN)).toBeUndefined();
  });

  it('sees a record changed in place at once (its text is parsed anew, never served from an earlier parse)', async () => {
    const { store, verifier } = await setup();
    expect(await verifier.verify(TOKEN)).toBeDefined();
    await store.set(KeyValueStoreAdapter.keyFor('Grant', GRANT_ID), JSON.stringify(grant({ exp: NOW_S - 1 })));
    expect(await verifier.verify(TOKEN)).toBeUndefined();
    await store.set(`oauth:grant-details:${GRANT_ID}`, JSON.stringify(details({ patientRef: 'someone-else' })));
    await store.set(KeyValueStoreAdapter.keyFor('Grant', GRANT_ID), JSON.stringify(grant()));
    expect(await verifier.verify(TOKEN)).toBeUndefined();
    await store.set(`oauth:grant-details:${GRANT_ID}`, JSON.stringify(details({ serviceIds: ['48'] })));
    expect((await verifier.verify(TOKEN))?.serviceIds).toEqual(['48']);
  });

  it.each([
    ['too short', 'short'],
    ['not base64url', `${TOKEN.slice(0, 30)}+/=`],
    ['too long', 'a'.repeat(201)],
    ['unknown', 'UnknownToken_0123456789abcdefghij'],
  ])('refuses a token that is %s', async (_what, value) => {
    const { verifier } = await setup();
    expect(await verifier.verify(value)).toBeUndefined();
  });

  // What oidc-provider's AccessToken.find refused (formats/opaque verify, assertPayload with its
  // 15 s clock tolerance, the model's kind), and what our findAccessToken added (isExpired,
  // grantId/accountId/clientId/exp present).
  it.each<[string, Record<string, unknown>]>([
    ['expired now (exp == now)', { exp: NOW_S }],
    ['expired within the clock tolerance', { exp: NOW_S - 5 }],
    ['expired long ago', { exp: NOW_S - 3600 }],
    ['without exp', { exp: undefined }],
    ['with a non-numeric exp', { exp: String(NOW_S + 890) }],
    ['not yet valid (nbf beyond the tolerance)', { nbf: NOW_S + 60 }],
    ['with a non-numeric nbf', { nbf: 'soon' }],
    ['with a non-numeric iat', { iat: 'then' }],
    ['with a non-string jti', { jti: 5 }],
    ['with a non-string iss', { iss: 5 }],
    ['with an aud of non-strings', { aud: [1] }],
    ['of another model', { kind: 'RefreshToken' }],
    ['in JWT format', { format: 'jwt' }],
    ['carrying a jwt', { jwt: 'x.y.z' }],
    ['carrying a paseto', { paseto: 'v4.public.x' }],
    ['bound to a login session', { expiresWithSession: true }],
    ['without grantId', { grantId: undefined }],
    ['with an empty grantId', { grantId: '' }],
    ['with a numeric grantId', { grantId: 5 }],
    ['without accountId', { accountId: undefined }],
    ['without clientId', { clientId: undefined }],
    ['with a non-string scope', { scope: 5 }],
  ])('refuses a token record %s', async (_what, over) => {
    const { verifier } = await setup({ at: accessToken(over) });
    expect(await verifier.verify(TOKEN)).toBeUndefined();
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', [accessToken()]],
    ['a string', 'token'],
  ])('refuses a token record that is %s', async (_what, record) => {
    const { store, verifier } = await setup();
    await store.set(KeyValueStoreAdapter.keyFor('AccessToken', TOKEN), JSON.stringify(record));
    expect(await verifier.verify(TOKEN)).toBeUndefined();
  });

  it('accepts what oidc-provider accepted: an opaque format, an nbf within the tolerance, no scope, no kind', async () => {
    const { verifier } = await setup({ at: accessToken({ format: 'opaque', nbf: NOW_S + 10, scope: undefined, kind: undefined, aud: ['a', 'b'] }) });
    expect(await verifier.verify(TOKEN)).toMatchObject({ scope: '' });
  });

  it.each<[string, { grant?: object | null; details?: object | null }]>([
    ['the grant is gone (revoked, or a replayed code destroyed it)', { grant: null }],
    ['the grant expired', { grant: grant({ exp: NOW_S }) }],
    ['the grant has a non-numeric exp', { grant: grant({ exp: 'later' }) }],
    ['the grant record is of another model', { grant: grant({ kind: 'Session' }) }],
    ['the grant record is in JWT format', { grant: grant({ format: 'jwt' }) }],
    ['the grant details are gone', { details: null }],
    ['the grant details name another patient', { details: details({ patientRef: 'patient-ref-2' }) }],
  ])('refuses when %s', async (_what, records) => {
    const { verifier } = await setup(records);
    expect(await verifier.verify(TOKEN)).toBeUndefined();
  });

  it('accepts a grant without exp, as oidc-provider did (it never expires)', async () => {
    const { verifier } = await setup({ grant: grant({ exp: undefined }) });
    expect(await verifier.verify(TOKEN)).toBeDefined();
  });

  it('refuses a PGO no longer on the OAuth client list, and any token while no list is in force', async () => {
    expect(await (await setup({ at: accessToken({ clientId: 'pgo.delisted.test' }) })).verifier.verify(TOKEN)).toBeUndefined();
    expect(await (await setup({}, { ocl: undefined })).verifier.verify(TOKEN)).toBeUndefined();
  });

  it('with binding on refuses a token without a certificate thumbprint; with binding off gives no thumbprint', async () => {
    expect(await (await setup({ at: accessToken({ extra: undefined }) })).verifier.verify(TOKEN)).toBeUndefined();
    expect(await (await setup({ at: accessToken({ extra: { cnf: {} } }) })).verifier.verify(TOKEN)).toBeUndefined();
    const unbound = await (await setup({ at: accessToken({ extra: undefined }) }, { bound: false })).verifier.verify(TOKEN);
    expect(unbound).toBeDefined();
    expect(unbound).not.toHaveProperty('certificateThumbprint');
  });
});
