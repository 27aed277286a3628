import { readFile } from 'node:fs/promises';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { authorizeUrl, csrfOf, HttpSession, type TokenTarget } from '../helpers/oauth.js';
import { expectNoLeak, rawRequest, type RawAnswer, type RawTarget } from './hostile-harness.js';

/**
 * A hostile browser on the patient interface and a hostile PGO on the token endpoint: malformed
 * input must end in an OAuth error (JSON with `error` on the token endpoint, the gateway's own
 * error page in the browser), never in Express's default page, a stack trace or internal details.
 */
const CLIENT = { clientId: 'pgo.listed.test', redirectUri: 'https://pgo.listed.test/medmij/callback', scope: 'demoziekenhuis' };
const BSN = '999911120';

let gw: TestGateway;
let patient: RawTarget;
let node: RawTarget;
let target: TokenTarget;

beforeAll(async () => {
  gw = await startTestGateway();
  const ca = await readFile(gw.pki.caCert, 'utf8');
  const cert = await readFile(gw.pki.pgoListedCert, 'utf8');
  const key = await readFile(gw.pki.pgoListedKey, 'utf8');
  patient = { url: gw.urls.patient, ca };
  node = { url: gw.urls.node, ca, cert, key };
  target = { patientUrl: gw.urls.patient, nodeUrl: gw.urls.node, ca, clientCert: cert, clientKey: key };
});

afterAll(async () => {
  await gw?.close();
});

/** The gateway's own HTML error page (pages/error-page.ts), not Express's. */
function expectErrorPage(answer: RawAnswer | { status: number; body: string; headers: Record<string, unknown> }, status: number): void {
  expectNoLeak(answer as RawAnswer);
  expect(answer.status).toBe(status);
  expect(String(answer.headers['content-type'])).toMatch(/^text\/html/);
  expect(answer.body).toMatch(/<html lang="(nl|en)"/);
}

/** Starts a flow up to the DigiD simulator's form: the session holds the interaction cookie. */
async function startFlow(): Promise<{ session: HttpSession; loginAction: string; uid: string; csrf: string }> {
  const session = new HttpSession(target);
  const start = await session.get(authorizeUrl(target, CLIENT));
  expect(start.status).toBe(303);
  const landing = await session.get(start.location!);
  expect(landing.status).toBe(200);
  const uid = /\/interaction\/([A-Za-z0-9_-]+)/.exec(start.location!)?.[1] ?? '';
  return { session, loginAction: `/interaction/${uid}/login?lang=nl`, uid, csrf: await csrfOf(session, start.location!) };
}

describe('authorization endpoint and interaction pages (patient interface)', () => {
  test.each([
    ['%zz in the query', '/oauth/authorize?client_id=%zz'],
    ['%00 in the query', '/oauth/authorize?client_id=pgo.listed.test%00&response_type=code'],
    ['a lone %', '/oauth/authorize?%'],
    ['duplicate client_id', `/oauth/authorize?client_id=pgo.listed.test&client_id=pgo.other.test&response_type=code&scope=demoziekenhuis&state=s`],
    ['empty parameters', '/oauth/authorize?client_id=&redirect_uri=&response_type=&scope=&state='],
    ['no parameters', '/oauth/authorize'],
    ['an unknown client', '/oauth/authorize?client_id=evil.example&response_type=code&scope=demoziekenhuis&state=s&redirect_uri=https%3A%2F%2Fevil.example%2Fcb'],
  ])('%s → the 400 error page, no redirect to an unverified URI', async (_name, path) => {
    const answer = await rawRequest(patient, { path });
    expectErrorPage(answer, 400);
    expect(answer.headers['location']).toBeUndefined();
  });

  test('a 100 kB authorization request is refused (414/431/400), never processed', async () => {
    const answer = await rawRequest(patient, { path: `/oauth/authorize?state=${'a'.repeat(100_000)}` });
    expectNoLeak(answer);
    expect([400, 414, 431]).toContain(answer.status);
  });

  test.each([
    ['%zz as uid', '/interaction/%zz'],
    ['%zz as uid of a sub-page', '/interaction/%zz/login'],
    ['%00 as uid', '/interaction/%00'],
    ['%zz on the resume step', '/oauth/authorize/%zz'],
    ['an unknown uid', '/interaction/AAAAAAAAAAAAAAAAAAAAA'],
    ['an unknown uid (consent)', '/interaction/AAAAAAAAAAAAAAAAAAAAA/consent'],
    ['an unknown uid (resume)', '/oauth/authorize/AAAAAAAAAAAAAAAAAAAAA'],
    ['a uid with a quote', '/interaction/%22%3E%3Cscript%3E'],
  ])('GET %s → a 4xx page of the gateway', async (_name, path) => {
    const answer = await rawRequest(patient, { path });
    expectNoLeak(answer);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.body).not.toContain('<script>');
  });

  test.each([
    ['form post to an unknown uid', '/interaction/AAAAAAAAAAAAAAAAAAAAA/login', 'application/x-www-form-urlencoded', `bsn=${BSN}`],
    ['%zz as uid', '/interaction/%zz/login', 'application/x-www-form-urlencoded', `bsn=${BSN}`],
    ['a 10 kB body', '/interaction/AAAAAAAAAAAAAAAAAAAAA/login', 'application/x-www-form-urlencoded', `bsn=${'9'.repeat(10_000)}`],
    ['a malformed body', '/interaction/AAAAAAAAAAAAAAAAAAAAA/login', 'application/x-www-form-urlencoded', 'bsn=%zz&%'],
    ['an unknown charset', '/interaction/AAAAAAAAAAAAAAAAAAAAA/login', 'application/x-www-form-urlencoded; charset=evil-8', `bsn=${BSN}`],
    ['gzip the gateway never offered', '/interaction/AAAAAAAAAAAAAAAAAAAAA/consent', 'application/x-www-form-urlencoded', 'decision=allow'],
    ['JSON', '/interaction/AAAAAAAAAAAAAAAAAAAAA/consent', 'application/json', '{"decision":"allow"}'],
    ['too many fields', '/interaction/AAAAAAAAAAAAAAAAAAAAA/consent', 'application/x-www-form-urlencoded', Array.from({ length: 50 }, (_, i) => `f${i}=1`).join('&')],
  ])('POST with %s → a 4xx page of the gateway', async (name, path, type, body) => {
    const headers: Array<readonly [string, string]> = [['Content-Type', type]];
    if (name.startsWith('gzip')) headers.push(['Content-Encoding', 'gzip']);
    const answer = await rawRequest(patient, { method: 'POST', path, headers, body });
    expectNoLeak(answer);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(String(answer.headers['content-type'])).toMatch(/^text\/html/);
  });

  test('inside a real flow: a 10 kB BSN, non-digits and a missing field are refused on the page, the BSN never echoed', async () => {
    const { session, loginAction, csrf } = await startFlow();
    try {
      const huge = await session.postForm(loginAction, { csrf, bsn: '1'.repeat(10_000) });
      expectErrorPage(huge, 413);
      for (const form of [{ bsn: 'abcdefghi' }, { bsn: '99991112O' }, {}, { bsn: '123456789' }]) {
        const answer = await session.postForm(loginAction, { csrf, ...form });
        expectNoLeak(answer as unknown as RawAnswer);
        expect(answer.status).toBe(400);
        expect(answer.body).not.toContain('abcdefghi');
        expect(answer.body).not.toContain('123456789');
      }
      // Still usable after the refusals: the right BSN goes on to consent.
      const ok = await session.postForm(loginAction, { csrf, bsn: BSN });
      expect(ok.status).toBe(303);
      expect(ok.location).toMatch(/\/consent/);
    } finally {
      await session.close();
    }
  });

  test('a replayed consent post after the flow finished gets the "already answered" page (409), and no second code', async () => {
    const { session, loginAction, uid, csrf } = await startFlow();
    try {
      const loggedIn = await session.postForm(loginAction, { csrf, bsn: BSN });
      expect(loggedIn.status).toBe(303);
      const consent = `/interaction/${uid}/consent?lang=nl`;
      const first = await session.postForm(consent, { csrf, decision: 'allow' });
      expect(first.status).toBe(303);
      const replay = await session.postForm(consent, { csrf, decision: 'allow' });
      expectErrorPage(replay, 409);
      expect(replay.location).toBeUndefined();
      const replayLogin = await session.postForm(loginAction, { csrf, bsn: BSN });
      expectErrorPage(replayLogin, 409);
    } finally {
      await session.close();
    }
  });

  test('a consent post without the interaction cookie (what a cross-site form post carries) is refused', async () => {
    const { session, loginAction, uid, csrf } = await startFlow();
    try {
      expect((await session.postForm(loginAction, { csrf, bsn: BSN })).status).toBe(303);
      const forged = await rawRequest(patient, {
        method: 'POST',
        path: `/interaction/${uid}/consent`,
        headers: [['Content-Type', 'application/x-www-form-urlencoded'], ['Origin', 'https://evil.example']],
        body: 'decision=allow',
      });
      // Without the interaction cookie oidc-provider knows no interaction: the "expired" page.
      expectErrorPage(forged, 410);
      expect(forged.headers['location']).toBeUndefined();
    } finally {
      await session.close();
    }
  });

  test('the interaction cookies are HttpOnly, Secure and SameSite, so a cross-site form post does not carry them', async () => {
    const session = new HttpSession(target);
    try {
      const start = await session.get(authorizeUrl(target, CLIENT));
      const cookies = ([] as string[]).concat((start.headers['set-cookie'] as string | string[] | undefined) ?? []);
      expect(cookies.length).toBeGreaterThan(0);
      for (const c of cookies.filter((c) => !/=;|expires=Thu, 01 Jan 1970/i.test(c))) {
        expect(c).toMatch(/;\s*httponly/i);
        expect(c).toMatch(/;\s*secure/i);
        expect(c).toMatch(/;\s*samesite=(lax|strict)/i);
      }
    } finally {
      await session.close();
    }
  });
});

describe('token endpoint (node interface)', () => {
  const post = (body: string, type = 'application/x-www-form-urlencoded', extra: Array<readonly [string, string]> = []) =>
    rawRequest(node, {
      method: 'POST',
      path: '/oauth/token',
      // The MedMij ids every token request carries (core.tknint.208), so each case reaches the check it is about.
      headers: [['Content-Type', type], ['MedMij-Request-ID', crypto.randomUUID()], ['X-Correlation-ID', crypto.randomUUID()], ...extra],
      body,
    });

  function expectOAuthError(answer: RawAnswer, statuses: readonly number[], errors: readonly string[]): void {
    expectNoLeak(answer);
    expect(statuses).toContain(answer.status);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    const json = JSON.parse(answer.body) as Record<string, unknown>;
    expect(errors).toContain(json['error']);
    expect(JSON.stringify(json)).not.toMatch(/stack|node_modules|at \w+ \(/);
  }

  test('a JSON body instead of a form', async () => {
    expectOAuthError(await post('{"grant_type":"authorization_code","code":"x"}', 'application/json'), [400], ['invalid_request']);
  });

  test('duplicated parameters', async () => {
    expectOAuthError(await post('grant_type=authorization_code&grant_type=authorization_code&code=x&client_id=pgo.listed.test'), [400], ['invalid_request']);
  });

  test('an unknown grant type', async () => {
    expectOAuthError(await post('grant_type=password&username=a&password=b&client_id=pgo.listed.test'), [400], ['unsupported_grant_type', 'invalid_request']);
  });

  test('no grant type, and an empty body', async () => {
    expectOAuthError(await post('client_id=pgo.listed.test'), [400], ['invalid_request']);
    expectOAuthError(await post(''), [400, 401], ['invalid_request', 'invalid_client']);
  });

  test('a client_id that is not the certificate holder', async () => {
    expectOAuthError(await post('grant_type=authorization_code&code=x&redirect_uri=https%3A%2F%2Fpgo.other.test%2Fcb&client_id=pgo.other.test'), [400, 401], ['invalid_client', 'invalid_grant']);
    expectOAuthError(await post('grant_type=authorization_code&code=x&client_id=evil.example'), [400, 401], ['invalid_client']);
  });

  test('malformed percent-encoding in the body and the query', async () => {
    expectOAuthError(await post('grant_type=%zz&code=%00&client_id=pgo.listed.test'), [400], ['invalid_request', 'unsupported_grant_type']);
    const answer = await rawRequest(node, { method: 'POST', path: '/oauth/token?%zz', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'grant_type=authorization_code' });
    expectNoLeak(answer);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
  });

  test('a 1 MB body is refused, not buffered into the handler', async () => {
    const answer = await post(`grant_type=authorization_code&code=${'a'.repeat(1_000_000)}`);
    expectNoLeak(answer);
    expect([400, 413]).toContain(answer.status);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body)).toHaveProperty('error');
  });

  test('a code that was never issued', async () => {
    expectOAuthError(await post('grant_type=authorization_code&code=nope&redirect_uri=https%3A%2F%2Fpgo.listed.test%2Fmedmij%2Fcallback&client_id=pgo.listed.test'), [400], ['invalid_grant']);
  });

  test.each(['GET', 'PUT', 'DELETE', 'OPTIONS', 'TRACE'])('%s on the token endpoint → 4xx without an Express page', async (method) => {
    const answer = await rawRequest(node, { method, path: '/oauth/token' });
    expectNoLeak(answer);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
  });

  test('every token refusal was audited, without the code values', () => {
    const refused = gw.audit.ofType('send_token_request_error').filter((e) => e.outcome === 'refused');
    expect(refused.length).toBeGreaterThan(5);
    expect(JSON.stringify(gw.audit.events)).not.toContain('a'.repeat(100));
  });
});
