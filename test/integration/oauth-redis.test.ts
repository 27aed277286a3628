import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { RedisStore } from '../../gateway/storage/redis-store.js';
import { createTestPki, type TestPki } from '../helpers/certs.js';
import { authorizeUrl, HttpSession, KNOWN_BSN, KNOWN_PATIENT_REF, startOAuthTestEnv, type OAuthTestEnv } from '../helpers/oauth.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Two replicas of the authorization server sharing one real Redis (unique key prefix per run):
 * what one replica stored, the other must honour, and a code redeemed on both at once is
 * granted exactly once.
 */
describe('two authorization servers sharing Redis', () => {
  let pki: TestPki;
  let stores: RedisStore[] = [];
  let a: OAuthTestEnv;
  let b: OAuthTestEnv;
  let skip = false;

  beforeAll(async () => {
    const prefix = `test:oauth:${randomBytes(6).toString('hex')}:`;
    stores = [0, 1].map(() => new RedisStore({ url: REDIS_URL, keyPrefix: prefix, connectTimeoutMs: 2000, commandTimeoutMs: 2000 }));
    const reachable = await Promise.all(stores.map(async (s) => { for (let i = 0; i < 20; i += 1) { if (await s.ping()) return true; await new Promise((r) => setTimeout(r, 50)); } return false; }));
    if (!reachable.every(Boolean)) {
      skip = true;
      console.warn('oauth-redis.test.ts skipped: no Redis answering at 127.0.0.1:6379');
      return;
    }
    pki = await createTestPki();
    // Replicas share the cookie keys (config), so a browser may hop between them.
    const oauth = { cookieKeys: [randomBytes(32).toString('base64url')] };
    [a, b] = await Promise.all([startOAuthTestEnv({ pki, store: stores[0]!, oauth }), startOAuthTestEnv({ pki, store: stores[1]!, oauth })]);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await Promise.all(stores.map((s) => s.close()));
    await pki?.cleanup();
  });

  const codeVia = async (session: HttpSession, longTerm = false): Promise<string> => {
    const start = await session.get(authorizeUrl(a.target, { clientId: a.clientId, redirectUri: a.redirectUri }));
    const ix = new URL(start.location!);
    // Login on replica B, consent on replica A: state lives only in Redis.
    const onB = `${b.patientUrl}${ix.pathname}`;
    const landing = await session.get(onB);
    expect(landing.status).toBe(200);
    // The CSRF token lives with the interaction in Redis, so either replica accepts it.
    const csrf = /name="csrf" value="([^"]+)"/.exec(landing.body)?.[1] ?? '';
    const login = await session.postForm(`${onB}/login`, { csrf, bsn: KNOWN_BSN });
    expect(login.status).toBe(303);
    const consent = await session.postForm(`${a.patientUrl}${new URL(login.location!).pathname}`, { csrf, decision: 'allow', ...(longTerm ? { longTerm: 'yes' } : {}) });
    const resume = await session.get(`${b.patientUrl}${new URL(consent.location!).pathname}`);
    expect(resume.status).toBe(303);
    return new URL(resume.location!).searchParams.get('code')!;
  };

  it('authorizes across replicas and redeems the code on the other one', async () => {
    if (skip) return;
    const session = new HttpSession(a.target);
    const code = await codeVia(session, true);
    const onB = new HttpSession(b.target);
    const res = await onB.token({ grant_type: 'authorization_code', code, redirect_uri: a.redirectUri, client_id: a.clientId });
    expect(res.status).toBe(200);
    expect((await a.server.verifier.verify(String(res.json.access_token)))?.patientRef).toBe(KNOWN_PATIENT_REF);
    const refreshed = await session.token({ grant_type: 'refresh_token', refresh_token: String(res.json.refresh_token), client_id: a.clientId });
    expect(refreshed.status).toBe(200);
    await Promise.all([session.close(), onB.close()]);
  });

  it('grants a code redeemed on both replicas at once exactly once, and revokes the winner', async () => {
    if (skip) return;
    const session = new HttpSession(a.target);
    const code = await codeVia(session);
    const onB = new HttpSession(b.target);
    const form = { grant_type: 'authorization_code', code, redirect_uri: a.redirectUri, client_id: a.clientId };
    const results = await Promise.all([session.token(form), onB.token(form)]);
    await Promise.all([session.close(), onB.close()]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    const winner = results.find((r) => r.status === 200)!;
    // The loser is a replay: everything issued from the code is revoked.
    expect(await b.server.verifier.verify(String(winner.json.access_token))).toBeUndefined();
  });
});
