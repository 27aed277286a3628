import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import {
  authorizeUrl,
  authorizeWithoutBrowser,
  csrfOf,
  FAILING_BSN,
  HttpSession,
  KNOWN_BSN,
  KNOWN_PATIENT_REF,
  obtainToken,
  OTHER_CLIENT,
  startOAuthTestEnv,
  UNKNOWN_BSN,
  type OAuthTestEnv,
} from '../helpers/oauth.js';

let env: OAuthTestEnv;

beforeAll(async () => {
  env = await startOAuthTestEnv();
});
afterAll(async () => {
  await env?.close();
});

const flow = () => ({ clientId: env.clientId, redirectUri: env.redirectUri });

describe('authorization server over real HTTPS (no browser)', () => {
  it('runs the whole flow: code and state only in the redirect, MedMij token response, bound token', async () => {
    const session = new HttpSession(env.target);
    const sessionId = crypto.randomUUID();
    const back = await authorizeWithoutBrowser(session, { ...flow(), state: 'xyz-123', sessionId });
    expect(back.origin + back.pathname).toBe(env.redirectUri);
    expect([...back.searchParams.keys()].sort()).toEqual(['code', 'state']);
    expect(back.searchParams.get('state')).toBe('xyz-123');

    const res = await session.token(
      { grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: env.redirectUri, client_id: env.clientId },
      { 'x-correlation-id': sessionId },
    );
    await session.close();
    expect(res.status).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(res.json).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'demoziekenhuis' });

    const grant = await env.server.verifier.verify(String(res.json.access_token));
    const x5t = createHash('sha256').update(new X509Certificate(env.pki.pgoListed.cert).raw).digest('base64url');
    expect(grant).toMatchObject({
      clientId: env.clientId,
      providerName: 'demoziekenhuis',
      serviceIds: ['48', '49'],
      patientRef: KNOWN_PATIENT_REF,
      scope: 'demoziekenhuis',
      certificateThumbprint: x5t,
      sessionId,
    });
    const types = env.audit.events.filter((e) => e.sessionId === sessionId).map((e) => e.type);
    for (const t of ['receive_authorization_request', 'show_landing_page', 'send_authentication_request', 'receive_authentication_response', 'show_consent_page', 'send_authorization_response', 'receive_token_request', 'send_token_response']) {
      expect(types).toContain(t);
    }
    expect(JSON.stringify(env.audit.events)).not.toContain(KNOWN_BSN);
    expect(JSON.stringify(env.audit.events)).not.toContain(String(res.json.access_token));
  });
});

/** Starts a flow and returns the interaction URL (landing page). */
async function startFlow(session: HttpSession, extra: Partial<Parameters<typeof authorizeUrl>[1]> = {}): Promise<string> {
  const res = await session.get(authorizeUrl(env.target, { ...flow(), ...extra }));
  expect(res.status).toBe(303);
  expect(res.location).toMatch(/\/interaction\/[A-Za-z0-9_-]+$/);
  return res.location!;
}

async function codeFor(session: HttpSession, extra: Partial<Parameters<typeof authorizeUrl>[1]> = {}): Promise<string> {
  const back = await authorizeWithoutBrowser(session, { ...flow(), ...extra });
  return back.searchParams.get('code')!;
}

const redeem = (session: HttpSession, code: string, overrides: Record<string, string> = {}) =>
  session.token({ grant_type: 'authorization_code', code, redirect_uri: env.redirectUri, client_id: env.clientId, ...overrides });

describe('authorization request errors', () => {
  const errorPage = async (params: Record<string, string>) => {
    const session = new HttpSession(env.target);
    const url = new URL(authorizeUrl(env.target, flow()));
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const sessionId = url.searchParams.get('X-Correlation-ID')!;
    const res = await session.get(url.href);
    await session.close();
    return { res, events: env.audit.events.filter((e) => e.sessionId === sessionId).map((e) => `${e.type}:${e.reason ?? ''}`) };
  };

  it('shows an error page, and never redirects, for a client not on the OAuth client list', async () => {
    const { res, events } = await errorPage({ client_id: 'pgo.unknown.test', redirect_uri: 'https://pgo.unknown.test/cb' });
    expect(res.status).toBe(400);
    expect(res.location).toBeUndefined();
    expect(res.body).toContain('Deze vraag kunnen we niet verwerken');
    expect(events).toEqual(['receive_authorization_request:unknown_client', 'authorization_request_error:unknown_client', 'show_authorization_request_error_page:unknown_client']);
  });

  it('refuses every client when no OAuth client list is in force (fail closed)', async () => {
    const saved = env.ocl;
    env.ocl = undefined;
    try {
      const { res, events } = await errorPage({});
      expect(res.status).toBe(400);
      expect(res.location).toBeUndefined();
      expect(events[0]).toBe('receive_authorization_request:no_client_list');
    } finally {
      env.ocl = saved;
    }
  });

  it.each([
    ['on another host', 'https://evil.example/medmij/callback'],
    ['with a query', 'https://pgo.listed.test/medmij/callback?x=1'],
    ['with a fragment', 'https://pgo.listed.test/medmij/callback#frag'],
    ['over plain http', 'http://pgo.listed.test/medmij/callback'],
    ['with a port', 'https://pgo.listed.test:8443/medmij/callback'],
  ])('shows an error page for a redirect_uri %s', async (_label, redirectUri) => {
    const { res, events } = await errorPage({ redirect_uri: redirectUri });
    expect(res.status).toBe(400);
    expect(res.location).toBeUndefined();
    expect(events).toContain('show_authorization_request_error_page:invalid_redirect_uri');
  });

  it.each([
    ['a scope for an unknown provider', { scope: 'onbekendziekenhuis' }, 'invalid_scope', 'care provider unknown'],
    ['a service the provider does not offer', { scope: 'demoziekenhuis~99' }, 'invalid_scope', 'data service'],
    ['an openid scope', { scope: 'openid demoziekenhuis' }, 'invalid_scope', 'scope'],
    ['another response_type', { response_type: 'token' }, 'unsupported_response_type', 'response_type'],
  ])('redirects back with an OAuth error for %s', async (_label, params, error, description) => {
    const { res, events } = await errorPage({ ...params, state: 'st-1' });
    expect(res.status).toBe(303);
    const back = new URL(res.location!);
    expect(back.origin + back.pathname).toBe(env.redirectUri);
    expect(back.searchParams.get('error')).toBe(error);
    expect(back.searchParams.get('error_description')).toContain(description);
    expect(back.searchParams.get('state')).toBe('st-1');
    expect(events).toContain(`send_authorization_request_error:${error}`);
  });

  it('redirects with invalid_request when state is missing', async () => {
    const session = new HttpSession(env.target);
    const url = new URL(authorizeUrl(env.target, flow()));
    url.searchParams.delete('state');
    const res = await session.get(url.href);
    await session.close();
    const back = new URL(res.location!);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('error_description')).toBe('state is missing or repeated');
  });

  it('accepts the MedMij ids as headers as well as query parameters', async () => {
    const session = new HttpSession(env.target);
    const url = new URL(authorizeUrl(env.target, flow()));
    const sessionId = url.searchParams.get('X-Correlation-ID')!;
    url.searchParams.delete('X-Correlation-ID');
    const res = await session.get(url.href, { 'X-Correlation-ID': sessionId });
    await session.close();
    expect(res.status).toBe(303);
    expect(env.audit.events.some((e) => e.type === 'receive_authorization_request' && e.sessionId === sessionId && e.outcome === 'success')).toBe(true);
  });
});

describe('the Person says no, or is not found', () => {
  it('returns access_denied "Authorization denied." when consent is refused', async () => {
    const session = new HttpSession(env.target);
    const ix = await startFlow(session, { state: 's-deny' });
    const csrf = await csrfOf(session, ix);
    const login = await session.postForm(`${ix}/login`, { csrf, bsn: KNOWN_BSN });
    const refuse = await session.postForm(login.location!, { csrf, decision: 'deny' });
    const back = new URL((await session.get(refuse.location!)).location!);
    await session.close();
    expect(Object.fromEntries(back.searchParams)).toEqual({ error: 'access_denied', error_description: 'Authorization denied.', state: 's-deny' });
  });

  it('shows the cancellation page after a cancel, then returns access_denied to the PGO', async () => {
    const session = new HttpSession(env.target);
    const sessionId = crypto.randomUUID();
    const ix = await startFlow(session, { sessionId });
    const cancel = await session.postForm(`${ix}/cancel`, { csrf: await csrfOf(session, ix) });
    expect(cancel.status).toBe(303);
    const page = await session.get(cancel.location!);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Je bent gestopt');
    const back = new URL((await session.get((await session.get(`${ix}/return`)).location!)).location!);
    await session.close();
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_description')).toBe('Authorization cancelled.');
    expect(env.audit.events.some((e) => e.type === 'send_authorization_cancellation' && e.sessionId === sessionId)).toBe(true);
  });

  it('shows the not-available page (404) when the EHR does not know the BSN, then returns "No such resources."', async () => {
    const session = new HttpSession(env.target);
    const ix = await startFlow(session);
    const login = await session.postForm(`${ix}/login`, { csrf: await csrfOf(session, ix), bsn: UNKNOWN_BSN });
    expect(login.location).toMatch(/\/unavailable\?lang=nl$/);
    const page = await session.get(login.location!);
    expect(page.status).toBe(404);
    expect(page.body).toContain('Geen gegevens gevonden');
    expect(page.body).toContain('Basisgegevens Zorg en Medicatiegegevens');
    const back = new URL((await session.get((await session.get(`${ix}/return`)).location!)).location!);
    await session.close();
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_description')).toBe('No such resources.');
  });

  it('re-asks for a BSN that fails the eleven test, without calling the EHR', async () => {
    const session = new HttpSession(env.target);
    const ix = await startFlow(session);
    const before = env.availabilityCalls.length;
    const res = await session.postForm(`${ix}/login`, { csrf: await csrfOf(session, ix), bsn: '123456789' });
    await session.close();
    expect(res.status).toBe(400);
    expect(res.body).toContain('aria-invalid="true"');
    expect(env.availabilityCalls.length).toBe(before);
  });

  it('shows the technical-failure page with the provider phone, trace id and session id when the EHR fails', async () => {
    const session = new HttpSession(env.target);
    const sessionId = crypto.randomUUID();
    const ix = await startFlow(session, { sessionId });
    const res = await session.postForm(`${ix}/login`, { csrf: await csrfOf(session, ix), bsn: FAILING_BSN });
    await session.close();
    expect(res.status).toBe(502);
    expect(res.body).toContain('Demo Ziekenhuis');
    expect(res.body).toContain('088 123 45 67');
    expect(res.body).toContain(sessionId);
    const traceId = env.audit.events.find((e) => e.sessionId === sessionId)?.traceId;
    expect(traceId).toBeDefined();
    expect(res.body).toContain(traceId!);
    expect(res.body).not.toContain(FAILING_BSN);
  });

  it('does not show the consent page before login', async () => {
    const session = new HttpSession(env.target);
    const ix = await startFlow(session);
    const res = await session.get(`${ix}/consent`);
    await session.close();
    expect(res.status).toBe(410);
  });
});

describe('token endpoint', () => {
  it('answers a replayed code with invalid_grant and revokes what the code issued', async () => {
    const session = new HttpSession(env.target);
    const code = await codeFor(session, { longTerm: true });
    const first = await redeem(session, code);
    expect(first.status).toBe(200);
    expect(await env.server.verifier.verify(String(first.json.access_token))).toBeDefined();
    const replay = await redeem(session, code);
    expect(replay.status).toBe(400);
    expect(replay.json.error).toBe('invalid_grant');
    expect(await env.server.verifier.verify(String(first.json.access_token))).toBeUndefined();
    const refresh = await session.token({ grant_type: 'refresh_token', refresh_token: String(first.json.refresh_token), client_id: env.clientId });
    expect(refresh.json.error).toBe('invalid_grant');
    await session.close();
  });

  it('lets exactly one of two simultaneous redemptions win', async () => {
    const session = new HttpSession(env.target);
    const code = await codeFor(session);
    const results = await Promise.all([redeem(session, code), redeem(session, code)]);
    await session.close();
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
  });

  it('refuses a redirect_uri that differs from the authorization request', async () => {
    const session = new HttpSession(env.target);
    const code = await codeFor(session);
    const res = await redeem(session, code, { redirect_uri: `${env.redirectUri}2` });
    await session.close();
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_grant');
  });

  it("refuses another client's code", async () => {
    const session = new HttpSession(env.target);
    const code = await codeFor(session);
    const res = await redeem(session, code, { client_id: OTHER_CLIENT });
    await session.close();
    expect(res.json.error).toBe('invalid_grant');
  });

  it('refuses a PGO that left the OAuth client list, and its tokens stop working', async () => {
    const token = await obtainToken(env.target, flow());
    const session = new HttpSession(env.target);
    const code = await codeFor(session);
    const saved = env.ocl;
    env.ocl = saved && { ...saved, byHostname: (h: string) => (h === env.clientId ? undefined : saved.byHostname(h)) };
    try {
      const res = await redeem(session, code);
      expect(res.json.error).toBe('invalid_client');
      expect(await env.server.verifier.verify(token.access_token)).toBeUndefined();
    } finally {
      env.ocl = saved;
      await session.close();
    }
  });

  it('enforces PKCE when the client sent a challenge', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const session = new HttpSession(env.target);
    const without = await redeem(session, await codeFor(session, { codeChallenge: challenge }));
    expect(without.json.error).toBe('invalid_grant');
    const withIt = await redeem(session, await codeFor(session, { codeChallenge: challenge }), { code_verifier: verifier });
    await session.close();
    expect(withIt.status).toBe(200);
  });

  it('issues a refresh token only with long-term consent, and rotates it on use', async () => {
    const short = await obtainToken(env.target, flow());
    expect(short.refresh_token).toBeUndefined();
    const long = await obtainToken(env.target, { ...flow(), longTerm: true });
    expect(typeof long.refresh_token).toBe('string');
    const session = new HttpSession(env.target);
    const refreshed = await session.token({ grant_type: 'refresh_token', refresh_token: long.refresh_token!, client_id: env.clientId });
    expect(refreshed.status).toBe(200);
    expect(Object.keys(refreshed.json).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
    expect(refreshed.json.refresh_token).not.toBe(long.refresh_token);
    expect(refreshed.json.scope).toBe('demoziekenhuis');
    const next = await session.token({ grant_type: 'refresh_token', refresh_token: String(refreshed.json.refresh_token), client_id: env.clientId });
    await session.close();
    expect(next.status).toBe(200);
  });

  it('answers each endpoint only on its own listener, and the metadata says where', async () => {
    const session = new HttpSession(env.target);
    const tokenOnPatient = await session.postForm(`${env.patientUrl}/oauth/token`, { grant_type: 'authorization_code' });
    expect(tokenOnPatient.status).toBe(404);
    const meta = JSON.parse((await session.get('/.well-known/oauth-authorization-server')).body) as Record<string, unknown>;
    expect(meta.authorization_endpoint).toBe(`${env.patientUrl}/oauth/authorize`);
    expect(meta.token_endpoint).toBe(`${env.nodeUrl}/oauth/token`);
    await session.close();
    const { request, Agent } = await import('undici');
    const agent = new Agent({ connect: { ca: env.pki.ca.cert, cert: env.pki.pgoListed.cert, key: env.pki.pgoListed.key } });
    const authorizeOnNode = await request(authorizeUrl({ ...env.target, patientUrl: env.nodeUrl }, flow()), { dispatcher: agent });
    await authorizeOnNode.body.text();
    await agent.close();
    expect(authorizeOnNode.statusCode).toBe(404);
  });
});

describe('lifetimes', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('refuses a refresh token after six months', async () => {
    const long = await obtainToken(env.target, { ...flow(), longTerm: true });
    jest.useFakeTimers({
      advanceTimers: true,
      now: Date.now() + 184 * 86_400_000,
      doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'],
    });
    const session = new HttpSession(env.target);
    const res = await session.token({ grant_type: 'refresh_token', refresh_token: long.refresh_token!, client_id: env.clientId });
    await session.close();
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_grant');
  });

  it('keeps a long-term consent that is used: each refresh renews it for six months', async () => {
    const fakeClock = (months: number) =>
      jest.useFakeTimers({
        advanceTimers: true,
        now: start + months * 30.5 * 86_400_000,
        doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'],
      });
    const start = Date.now();
    const long = await obtainToken(env.target, { ...flow(), longTerm: true });
    const session = new HttpSession(env.target);
    try {
      fakeClock(5);
      const first = await session.token({ grant_type: 'refresh_token', refresh_token: long.refresh_token!, client_id: env.clientId });
      expect(first.status).toBe(200);
      // Ten months after consent, five after the last use: still in force.
      fakeClock(10);
      const second = await session.token({ grant_type: 'refresh_token', refresh_token: String(first.json.refresh_token), client_id: env.clientId });
      expect(second.status).toBe(200);
      // More than six months without use: lapsed.
      fakeClock(16.5);
      const third = await session.token({ grant_type: 'refresh_token', refresh_token: String(second.json.refresh_token), client_id: env.clientId });
      expect(third.status).toBe(400);
      expect(third.json.error).toBe('invalid_grant');
    } finally {
      await session.close();
    }
  });

  it('refuses a code older than its lifetime', async () => {
    const shortEnv = await startOAuthTestEnv({ pki: env.pki, oauth: { authorizationCodeTtlSeconds: 1 } });
    try {
      const session = new HttpSession(shortEnv.target);
      const back = await authorizeWithoutBrowser(session, { clientId: shortEnv.clientId, redirectUri: shortEnv.redirectUri });
      await new Promise((r) => setTimeout(r, 2100));
      const res = await session.token({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: shortEnv.redirectUri, client_id: shortEnv.clientId });
      await session.close();
      expect(res.json.error).toBe('invalid_grant');
    } finally {
      await shortEnv.close();
    }
  });
});
