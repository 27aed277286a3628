import { describe, expect, it } from '@jest/globals';
import { parseAuthorizationRequest, isAllowedRedirectUri } from '../../../gateway/oauth/authorization-request.js';
import { parseBsn } from '../../../gateway/oauth/bsn.js';
import { parseScope, allScopeTokens } from '../../../gateway/oauth/scope.js';
import { toX5tS256 } from '../../../gateway/oauth/thumbprint.js';
import type { OAuthClientList } from '../../../gateway/lists/types.js';

const providers = [
  { name: 'demoziekenhuis', displayName: 'Demo', supportPhone: '1', services: [{ id: '48' }, { id: '49' }, { id: '53', shares: true }] },
  { name: 'huisarts.noord', displayName: 'HA', supportPhone: '2', services: [{ id: '51' }] },
];

describe('parseBsn (eleven test)', () => {
  it.each(['111222333', '123456782', ' 111222333 '])('accepts %s', (bsn) => expect(parseBsn(bsn)).toBe(bsn.trim()));
  it.each(['123456789', '000000000', '11122233', '1112223334', 'abcdefghi', 111222333])('refuses %s', (bsn) => expect(parseBsn(bsn)).toBeUndefined());
});

describe('parseScope', () => {
  it('reads a bare provider name as all its collect services (never a Delen service)', () => {
    expect(parseScope('demoziekenhuis', providers)).toEqual({ ok: true, value: { providerName: 'demoziekenhuis', serviceIds: ['48', '49'], scope: 'demoziekenhuis', share: false } });
  });
  it('reads name~serviceId of a Delen service as a share of that one service', () => {
    expect(parseScope('demoziekenhuis~53', providers)).toEqual({ ok: true, value: { providerName: 'demoziekenhuis', serviceIds: ['53'], scope: 'demoziekenhuis~53', share: true } });
  });
  it('reads name~service combinations of one provider', () => {
    expect(parseScope('demoziekenhuis~49 demoziekenhuis~48', providers)).toMatchObject({ ok: true, value: { serviceIds: ['49', '48'] } });
  });
  it.each([
    [undefined, 'missing'],
    ['', 'missing'],
    ['onbekend', 'unknown'],
    ['demoziekenhuis~50', 'does not offer'],
    ['demoziekenhuis~48 huisarts.noord~51', 'more than one'],
    ['demoziekenhuis demoziekenhuis~48', 'provider~service'],
    ['demoziekenhuis~48 demoziekenhuis~48', 'twice'],
    ['demoziekenhuis~48  demoziekenhuis~49', 'malformed'],
    ['openid', 'unknown'],
    ['demoziekenhuis~', 'malformed'],
    ['demoziekenhuis~53 demoziekenhuis~48', 'exactly one'],
    ['demoziekenhuis~48 demoziekenhuis~53', 'exactly one'],
  ])('refuses %j', (scope, why) => {
    const result = parseScope(scope as string | undefined, providers);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.description).toContain(why);
  });
  it('lists every recognised token', () => {
    expect(allScopeTokens(providers)).toEqual(['demoziekenhuis', 'demoziekenhuis~48', 'demoziekenhuis~49', 'demoziekenhuis~53', 'huisarts.noord', 'huisarts.noord~51']);
  });
});

describe('isAllowedRedirectUri', () => {
  it('allows an https URI on the client host', () => expect(isAllowedRedirectUri('pgo.test', 'https://pgo.test/cb/x')).toBe(true));
  it.each(['https://pgo.test.evil/cb', 'https://evil.test/cb', 'http://pgo.test/cb', 'https://pgo.test/cb?a=1', 'https://pgo.test/cb#f', 'https://pgo.test:444/cb', 'https://u:p@pgo.test/cb', 'not a url', 'https://pgo.test/c b'])(
    'refuses %s',
    (uri) => expect(isAllowedRedirectUri('pgo.test', uri)).toBe(false),
  );
});

describe('parseAuthorizationRequest', () => {
  const ocl = { byHostname: (h: string) => (h === 'pgo.test' ? { hostname: h, organisationName: 'PGO' } : undefined) } as unknown as OAuthClientList;
  const base = {
    response_type: 'code',
    client_id: 'pgo.test',
    redirect_uri: 'https://pgo.test/cb',
    scope: 'demoziekenhuis',
    state: 'abc',
    'MedMij-Request-ID': '3f1c2b1e-0000-4000-8000-000000000001',
    'X-Correlation-ID': '3f1c2b1e-0000-4000-8000-000000000002',
  };
  const parse = (over: Record<string, string | undefined> = {}, headers: Record<string, string> = {}, list: OAuthClientList | undefined = ocl) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...base, ...over })) if (v !== undefined) q.set(k, v);
    return parseAuthorizationRequest(q, (n) => headers[n], list, providers);
  };

  it('accepts a MedMij request and keeps only typed values', () => {
    const r = parse({ prompt: 'none', request_uri: 'urn:x' });
    expect(r).toMatchObject({ kind: 'ok', request: { clientId: 'pgo.test', organisationName: 'PGO', state: 'abc', scope: { providerName: 'demoziekenhuis' } } });
  });
  it('takes the ids from headers when the query lacks them', () => {
    const r = parse({ 'X-Correlation-ID': undefined }, { 'X-Correlation-ID': 'sess-1' });
    expect(r).toMatchObject({ kind: 'ok', request: { sessionId: 'sess-1' } });
  });
  it.each([
    [{ client_id: 'other.test' }, 'unknown_client'],
    [{ client_id: undefined }, 'invalid_client_id'],
    [{ client_id: 'PGO TEST' }, 'invalid_client_id'],
    [{ redirect_uri: 'https://other.test/cb' }, 'invalid_redirect_uri'],
    [{ redirect_uri: undefined }, 'invalid_redirect_uri'],
  ])('shows an error page for %j', (over, reason) => expect(parse(over)).toMatchObject({ kind: 'error-page', reason }));
  it('shows an error page when no OCL is in force', () =>
    expect(parseAuthorizationRequest(new URLSearchParams(base), () => undefined, undefined, providers)).toMatchObject({ kind: 'error-page', reason: 'no_client_list' }));
  it.each([
    [{ response_type: 'token' }, 'unsupported_response_type'],
    [{ response_type: undefined }, 'invalid_request'],
    [{ state: undefined }, 'invalid_request'],
    [{ state: 'a\u0001' }, 'invalid_request'],
    [{ 'MedMij-Request-ID': undefined }, 'invalid_request'],
    [{ 'X-Correlation-ID': 'bad id with spaces' }, 'invalid_request'],
    [{ scope: 'x' }, 'invalid_scope'],
    [{ code_challenge: 'short' }, 'invalid_request'],
    [{ code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }, 'invalid_request'],
  ])('redirects %j with an OAuth error', (over, error) => expect(parse(over)).toMatchObject({ kind: 'redirect-error', error, redirectUri: 'https://pgo.test/cb' }));
  it('refuses repeated parameters', () => {
    const q = new URLSearchParams(base);
    q.append('scope', 'demoziekenhuis');
    expect(parseAuthorizationRequest(q, () => undefined, ocl, providers)).toMatchObject({ kind: 'redirect-error', error: 'invalid_request' });
  });
});

describe('toX5tS256', () => {
  const hex = 'ab'.repeat(32);
  it('turns colon hex into base64url', () => expect(toX5tS256(hex.match(/../g)!.join(':').toUpperCase())).toBe(Buffer.from(hex, 'hex').toString('base64url')));
  it('keeps base64url', () => expect(toX5tS256(Buffer.from(hex, 'hex').toString('base64url'))).toHaveLength(43));
  it('refuses other input', () => expect(toX5tS256('abc')).toBeUndefined());
});
