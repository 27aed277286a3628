import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { authorizeUrl, csrfOf, HttpSession, KNOWN_BSN, KNOWN_PATIENT_REF, startOAuthTestEnv, type OAuthTestEnv } from '../helpers/oauth.js';

const SUBSTANTIEEL = 'urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard';
const HOOG = 'urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI';
const MIDDEN = 'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract';

/**
 * Login through an upstream OpenID Connect provider: a second oidc-provider instance plays the
 * DigiD broker on loopback. Its interaction logs in at once as the account named in the
 * `next` cookie-free switch below, so the test drives the real redirects, PKCE, nonce, state
 * and ID-token validation without a broker UI.
 */
describe('oidc identity provider', () => {
  let env: OAuthTestEnv;
  let broker: Provider;
  let brokerServer: http.Server;
  let brokerUrl: string;
  /** What the broker's next login does: log in with this BSN claim at this DigiD level (acr), or cancel. */
  let nextLogin: { bsn: string; acr?: string } | 'cancel' = { bsn: KNOWN_BSN };
  const secret = 'broker-client-secret-0123456789abcdef';

  beforeAll(async () => {
    let handler: http.RequestListener = (_req, res) => res.writeHead(503).end();
    brokerServer = http.createServer((req, res) => handler(req, res));
    await new Promise<void>((r) => brokerServer.listen(0, '127.0.0.1', r));
    brokerUrl = `http://127.0.0.1:${(brokerServer.address() as AddressInfo).port}`;
    env = await startOAuthTestEnv({
      oauth: { identityProvider: { kind: 'oidc', issuer: brokerUrl, clientId: 'dvza', clientSecret: secret, bsnClaim: 'bsn' } },
    });
    broker = new Provider(brokerUrl, {
      clients: [{ client_id: 'dvza', client_secret: secret, redirect_uris: [`${env.patientUrl}/interaction/oidc-callback`], response_types: ['code'], grant_types: ['authorization_code'] }],
      claims: { openid: ['sub', 'bsn'] },
      acrValues: [MIDDEN, SUBSTANTIEEL, HOOG],
      conformIdTokenClaims: false,
      cookies: { keys: ['broker-cookie-key-0123456789abcdef'], names: { session: 'b_session', interaction: 'b_interaction', resume: 'b_resume' } },
      features: { devInteractions: { enabled: false } },
      pkce: { required: () => true },
      findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, bsn: sub.replace(/^user-/, '') }) }),
    });
    const brokerCallback = broker.callback();
    handler = async (req, res) => {
      if (!req.url?.startsWith('/interaction/')) return brokerCallback(req, res);
      const details = await broker.interactionDetails(req, res);
      if (nextLogin === 'cancel') {
        await broker.interactionFinished(req, res, { error: 'access_denied', error_description: 'cancelled' });
        return;
      }
      const accountId = `user-${nextLogin.bsn}`;
      const grant = new broker.Grant({ accountId, clientId: String(details.params.client_id) });
      grant.addOIDCScope('openid');
      await broker.interactionFinished(req, res, { login: { accountId, acr: nextLogin.acr ?? SUBSTANTIEEL }, consent: { grantId: await grant.save() } });
    };
  });

  afterAll(async () => {
    await env?.close();
    brokerServer?.closeAllConnections();
    await new Promise((r) => brokerServer?.close(r));
  });

  /** Follows redirects (across both servers) until one lands outside them or on a page. */
  async function follow(session: HttpSession, url: string): Promise<{ url: string; status: number }> {
    let current = url;
    for (let i = 0; i < 12; i += 1) {
      if (current.startsWith(env.redirectUri)) return { url: current, status: 303 };
      const res = await session.get(current);
      if (res.status !== 302 && res.status !== 303) return { url: current, status: res.status };
      current = res.location!;
    }
    throw new Error('too many redirects');
  }

  it('logs in through the broker with PKCE and nonce, then reaches consent and a token', async () => {
    nextLogin = { bsn: KNOWN_BSN };
    const session = new HttpSession(env.target);
    const start = await session.get(authorizeUrl(env.target, { clientId: env.clientId, redirectUri: env.redirectUri }));
    const toBroker = await session.get(`${start.location!}/login`);
    expect(toBroker.status).toBe(303);
    const upstream = new URL(toBroker.location!);
    expect(upstream.origin).toBe(brokerUrl);
    expect(upstream.searchParams.get('code_challenge_method')).toBe('S256');
    expect(upstream.searchParams.get('nonce')).toBeTruthy();
    expect(upstream.searchParams.get('redirect_uri')).toBe(`${env.patientUrl}/interaction/oidc-callback`);
    // DigiD Substantieel by default: asked for, lowest acceptable level first.
    expect(upstream.searchParams.get('acr_values')).toBe(`${SUBSTANTIEEL} ${HOOG}`);

    const consent = await follow(session, toBroker.location!);
    expect(consent.status).toBe(200);
    expect(consent.url).toMatch(/\/consent\?lang=nl$/);
    const allow = await session.postForm(consent.url, { csrf: await csrfOf(session, consent.url), decision: 'allow' });
    const back = new URL((await session.get(allow.location!)).location!);
    const res = await session.token({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: env.redirectUri, client_id: env.clientId });
    await session.close();
    expect(res.status).toBe(200);
    expect((await env.server.verifier.verify(String(res.json.access_token)))?.patientRef).toBe(KNOWN_PATIENT_REF);
  });

  it('returns access_denied when the Person cancels at the broker', async () => {
    nextLogin = 'cancel';
    const session = new HttpSession(env.target);
    const start = await session.get(authorizeUrl(env.target, { clientId: env.clientId, redirectUri: env.redirectUri, state: 'st-c' }));
    const toBroker = await session.get(`${start.location!}/login`);
    const end = await follow(session, toBroker.location!);
    await session.close();
    const back = new URL(end.url);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('st-c');
  });

  it('refuses a login whose BSN claim fails the eleven test', async () => {
    nextLogin = { bsn: '123456789' };
    const session = new HttpSession(env.target);
    const start = await session.get(authorizeUrl(env.target, { clientId: env.clientId, redirectUri: env.redirectUri }));
    const toBroker = await session.get(`${start.location!}/login`);
    const end = await follow(session, toBroker.location!);
    await session.close();
    expect(new URL(end.url).searchParams.get('error')).toBe('unauthorized_client');
  });

  it('refuses a login below the configured assurance level (DigiD Midden when Substantieel is required)', async () => {
    nextLogin = { bsn: KNOWN_BSN, acr: MIDDEN };
    const session = new HttpSession(env.target);
    const sessionId = crypto.randomUUID();
    const start = await session.get(authorizeUrl(env.target, { clientId: env.clientId, redirectUri: env.redirectUri, sessionId }));
    const toBroker = await session.get(`${start.location!}/login`);
    const end = await follow(session, toBroker.location!);
    await session.close();
    expect(new URL(end.url).searchParams.get('error')).toBe('unauthorized_client');
    expect(env.audit.events.some((e) => e.sessionId === sessionId && e.type === 'receive_authentication_error' && e.reason === 'assurance_too_low')).toBe(true);
    expect(env.availabilityCalls.length).toBeGreaterThan(0); // only the earlier, accepted logins reached the EHR
  });

  it('accepts a higher level than required (Hoog)', async () => {
    nextLogin = { bsn: KNOWN_BSN, acr: HOOG };
    const session = new HttpSession(env.target);
    const start = await session.get(authorizeUrl(env.target, { clientId: env.clientId, redirectUri: env.redirectUri }));
    const toBroker = await session.get(`${start.location!}/login`);
    const consent = await follow(session, toBroker.location!);
    await session.close();
    expect(consent.status).toBe(200);
    expect(consent.url).toMatch(/\/consent\?lang=nl$/);
  });

  it('refuses a callback with a state it did not issue (the "session expired" page)', async () => {
    const session = new HttpSession(env.target);
    const res = await session.get(`/interaction/oidc-callback?code=abc&state=${'x'.repeat(43)}`);
    await session.close();
    expect(res.status).toBe(410);
  });
});
