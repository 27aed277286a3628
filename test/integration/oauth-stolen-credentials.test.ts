import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { createTestPki, type PemPair, type TestPki } from '../helpers/certs.js';
import { authorizeUrl, authorizeWithoutBrowser, HttpSession, obtainToken, OTHER_CLIENT, startOAuthTestEnv, type OAuthTestEnv } from '../helpers/oauth.js';

/**
 * Issue 9, findings 2 and 3, reproduced over real mTLS connections: a second PGO that is on the
 * Whitelist AND on the OAuth client list (a legitimate participant, `pgo.other.test`) gets hold
 * of another PGO's authorization code or refresh token and presents it over its own certificate
 * with the victim's client_id. Before the fix both gave a working token (200). Now both are
 * refused with invalid_grant, and the victim's own redemption still works afterwards (the
 * refusal happens before the code or refresh token is consumed). A renewed certificate of the
 * victim's own host keeps its refresh tokens by default and loses them with
 * `oauth.refreshTokenBinding: certificate` (gateway/oauth/refresh-token-binding.ts).
 */
const MAPPED_NODE = 'node.listed.test';

let pki: TestPki;
let env: OAuthTestEnv;
let attacker: PemPair;
/** The victim's host name on a new certificate with a new key: same name, other certificate. */
let sameNameOtherKey: PemPair;
let mappedNode: PemPair;

beforeAll(async () => {
  pki = await createTestPki();
  attacker = await pki.issue('pgo-other', { subjectCn: OTHER_CLIENT });
  sameNameOtherKey = await pki.issue('pgo-listed-renewed', { subjectCn: pki.listedHost });
  mappedNode = await pki.issue('node-listed', { subjectCn: MAPPED_NODE });
  env = await startOAuthTestEnv({ pki, whitelist: [pki.listedHost, OTHER_CLIENT, MAPPED_NODE] });
});
afterAll(async () => {
  await env?.close();
  await pki?.cleanup();
});

const flow = () => ({ clientId: env.clientId, redirectUri: env.redirectUri });
const over = (pair: PemPair) => new HttpSession({ ...env.target, clientCert: pair.cert, clientKey: pair.key });

async function codeFor(session: HttpSession, extra: Partial<Parameters<typeof authorizeUrl>[1]> = {}): Promise<string> {
  const back = await authorizeWithoutBrowser(session, { ...flow(), ...extra });
  return back.searchParams.get('code')!;
}
const redeem = (session: HttpSession, code: string, extra: Record<string, string> = {}) =>
  session.token({ grant_type: 'authorization_code', code, redirect_uri: env.redirectUri, client_id: env.clientId, ...extra });
const refresh = (session: HttpSession, token: string) => session.token({ grant_type: 'refresh_token', refresh_token: token, client_id: env.clientId });

describe("finding 3: a code is redeemable only over the connection of the client it was issued to", () => {
  it("refuses another whitelisted PGO's certificate presenting the victim's client_id; the victim still redeems", async () => {
    const victim = new HttpSession(env.target);
    const thief = over(attacker);
    try {
      const code = await codeFor(victim);
      const stolen = await redeem(thief, code);
      expect(stolen.status).toBe(400);
      // oidc-provider answers every invalid_grant with the same generic description (RFC 6749 §5.2).
      expect(stolen.json.error).toBe('invalid_grant');
      expect(stolen.json.access_token).toBeUndefined();
      const refusal = env.audit.events.filter((e) => e.type === 'send_token_request_error' && e.outcome === 'refused').at(-1);
      expect(refusal).toMatchObject({ clientId: env.clientId, peerHost: OTHER_CLIENT, reason: 'invalid_grant' });

      const own = await redeem(victim, code);
      expect(own.status).toBe(200);
      expect(typeof own.json.access_token).toBe('string');
    } finally {
      await Promise.all([victim.close(), thief.close()]);
    }
  });

  it("refuses the thief under its own client_id too (the code names the victim)", async () => {
    const victim = new HttpSession(env.target);
    const thief = over(attacker);
    try {
      const res = await redeem(thief, await codeFor(victim), { client_id: OTHER_CLIENT });
      expect(res.json.error).toBe('invalid_grant');
    } finally {
      await Promise.all([victim.close(), thief.close()]);
    }
  });
});

describe("finding 2: a refresh token is bound to the PGO's certified identity (oauth.refreshTokenBinding: client, the default)", () => {
  it("refuses a refresh over another PGO's certificate; the same host's renewed certificate keeps refreshing, the rotated token too", async () => {
    const long = await obtainToken(env.target, { ...flow(), longTerm: true });
    const thief = over(attacker);
    const renewed = over(sameNameOtherKey);
    try {
      const byThief = await refresh(thief, long.refresh_token!);
      expect(byThief.status).toBe(400);
      expect(byThief.json.error).toBe('invalid_grant');
      // The yearly renewal: same host name (on the Whitelist, from the same CA), new key and certificate.
      const byRenewed = await refresh(renewed, long.refresh_token!);
      expect(byRenewed.status).toBe(200);
      expect(typeof byRenewed.json.access_token).toBe('string');
      // The rotated refresh token is bound the same way: still refused to the thief, still the PGO's.
      const rotatedByThief = await refresh(thief, String(byRenewed.json.refresh_token));
      expect(rotatedByThief.json.error).toBe('invalid_grant');
      const again = await refresh(renewed, String(byRenewed.json.refresh_token));
      expect(again.status).toBe(200);
    } finally {
      await Promise.all([thief.close(), renewed.close()]);
    }
  });
});

describe('finding 2, oauth.refreshTokenBinding: certificate: a refresh token is bound to the certificate that redeemed the code (RFC 8705)', () => {
  let strict: OAuthTestEnv;
  beforeAll(async () => {
    strict = await startOAuthTestEnv({ pki, whitelist: [pki.listedHost, OTHER_CLIENT], oauth: { refreshTokenBinding: 'certificate' } });
  });
  afterAll(async () => {
    await strict?.close();
  });

  it("refuses a refresh over another PGO's certificate, and over a renewed certificate of the same host; the original keeps refreshing", async () => {
    const refreshAt = (session: HttpSession, token: string) => session.token({ grant_type: 'refresh_token', refresh_token: token, client_id: strict.clientId });
    const long = await obtainToken(strict.target, { clientId: strict.clientId, redirectUri: strict.redirectUri, longTerm: true });
    const thief = new HttpSession({ ...strict.target, clientCert: attacker.cert, clientKey: attacker.key });
    const renewed = new HttpSession({ ...strict.target, clientCert: sameNameOtherKey.cert, clientKey: sameNameOtherKey.key });
    const victim = new HttpSession(strict.target);
    try {
      const byThief = await refreshAt(thief, long.refresh_token!);
      expect(byThief.status).toBe(400);
      expect(byThief.json.error).toBe('invalid_grant');
      // Same host name, so client_id matches, but not the certificate the token is bound to.
      const byOtherCert = await refreshAt(renewed, long.refresh_token!);
      expect(byOtherCert.status).toBe(400);
      expect(byOtherCert.json.error).toBe('invalid_grant');

      const first = await refreshAt(victim, long.refresh_token!);
      expect(first.status).toBe(200);
      // The rotated refresh token carries the same binding.
      const rotatedByRenewed = await refreshAt(renewed, String(first.json.refresh_token));
      expect(rotatedByRenewed.json.error).toBe('invalid_grant');
      const second = await refreshAt(victim, String(first.json.refresh_token));
      expect(second.status).toBe(200);
    } finally {
      await Promise.all([thief.close(), renewed.close(), victim.close()]);
    }
  });
});

describe('oauth.clientCertificateHosts: a PGO whose backchannel certificate names another host (digest §5.2)', () => {
  let mapped: OAuthTestEnv;
  beforeAll(async () => {
    mapped = await startOAuthTestEnv({
      pki,
      whitelist: [pki.listedHost, OTHER_CLIENT, MAPPED_NODE],
      oauth: { clientCertificateHosts: { [pki.listedHost]: [MAPPED_NODE] } },
    });
  });
  afterAll(async () => {
    await mapped?.close();
  });

  it('redeems over the mapped certificate, still refuses the other PGO', async () => {
    const browser = new HttpSession(mapped.target);
    const node = new HttpSession({ ...mapped.target, clientCert: mappedNode.cert, clientKey: mappedNode.key });
    const thief = new HttpSession({ ...mapped.target, clientCert: attacker.cert, clientKey: attacker.key });
    try {
      const code = async () => (await authorizeWithoutBrowser(browser, { clientId: mapped.clientId, redirectUri: mapped.redirectUri })).searchParams.get('code')!;
      const body = (c: string) => ({ grant_type: 'authorization_code', code: c, redirect_uri: mapped.redirectUri, client_id: mapped.clientId });
      const c1 = await code();
      expect((await thief.token(body(c1))).json.error).toBe('invalid_grant');
      const ok = await node.token(body(c1));
      expect(ok.status).toBe(200);
    } finally {
      await Promise.all([browser.close(), node.close(), thief.close()]);
    }
  });
});

describe('PKCE (RFC 7636)', () => {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');

  it('verifies a challenge whenever the request carried one: a wrong verifier is refused', async () => {
    const session = new HttpSession(env.target);
    try {
      const wrong = await redeem(session, await codeFor(session, { codeChallenge: challenge }), { code_verifier: randomBytes(32).toString('base64url') });
      expect(wrong.json.error).toBe('invalid_grant');
    } finally {
      await session.close();
    }
  });

  describe('oauth.requirePkce: true', () => {
    let strict: OAuthTestEnv;
    beforeAll(async () => {
      strict = await startOAuthTestEnv({ pki, oauth: { requirePkce: true } });
    });
    afterAll(async () => {
      await strict?.close();
    });

    it('refuses an authorization request without a challenge (error back to the PGO), accepts one with it', async () => {
      const session = new HttpSession(strict.target);
      try {
        const start = await session.get(authorizeUrl(strict.target, { clientId: strict.clientId, redirectUri: strict.redirectUri, state: 's1' }));
        expect(start.status).toBe(303);
        const back = new URL(start.location!);
        expect(back.origin + back.pathname).toBe(strict.redirectUri);
        expect(back.searchParams.get('error')).toBe('invalid_request');
        expect(back.searchParams.get('code')).toBeNull();

        const ok = await authorizeWithoutBrowser(session, { clientId: strict.clientId, redirectUri: strict.redirectUri, codeChallenge: challenge });
        const res = await session.token({ grant_type: 'authorization_code', code: ok.searchParams.get('code')!, redirect_uri: strict.redirectUri, client_id: strict.clientId, code_verifier: verifier });
        expect(res.status).toBe(200);
      } finally {
        await session.close();
      }
    });
  });
});
