import { hiddenFields } from '../../gateway/pgo-client/index.js';
import { authorizeUrl, HttpSession, KNOWN_BSN, startOAuthTestEnv, TEST_PROVIDERS, type OAuthTestEnv } from '../helpers/oauth.js';

/**
 * The acceptance check of Delen when the EHR fails (authorization server on real TLS listeners):
 * the "Technische storing" page with the ids, then back to the PGO with access_denied.
 */
let env: OAuthTestEnv;
const providers = [{ ...TEST_PROVIDERS[0]!, services: [...TEST_PROVIDERS[0]!.services, { id: '53', shares: true }] }];

beforeAll(async () => {
  env = await startOAuthTestEnv({
    providers,
    checkShareAcceptance: async () => {
      throw new Error('EHR unreachable');
    },
  });
});
afterAll(() => env.close());

test('an EHR failure at the acceptance check shows the technical failure page (502), and the way back ends in access_denied', async () => {
  const session = new HttpSession(env.target);
  const sessionId = crypto.randomUUID();
  try {
    const start = await session.get(authorizeUrl(env.target, { clientId: env.clientId, redirectUri: env.redirectUri, scope: 'demoziekenhuis~53', sessionId }));
    const uid = /\/interaction\/([A-Za-z0-9_-]+)/.exec(start.location!)![1]!;
    await session.get(start.location!);
    const loginPage = await session.get(`/interaction/${uid}/login`);
    const failed = await session.postForm(`/interaction/${uid}/login`, { ...hiddenFields(loginPage.body), bsn: KNOWN_BSN });
    expect(failed.status).toBe(502);
    expect(failed.body).toContain(sessionId);
    expect(failed.body).toContain(`/interaction/${uid}/return`);
    // The availability check of Verzamelen is not what ran.
    expect(env.availabilityCalls).toEqual([]);
    expect(env.audit.ofType('share_acceptance_check').map((e) => [e.outcome, e.reason])).toEqual([['failure', 'technical_failure']]);

    let next = await session.get(`/interaction/${uid}/return`);
    while (next.location && new URL(next.location).origin === new URL(env.patientUrl).origin) next = await session.get(next.location);
    const back = new URL(next.location!);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_description')).toBe('Authorization failed.');
  } finally {
    await session.close();
  }
});

test('without an acceptance check configured, no share is accepted (fail closed)', async () => {
  const plain = await startOAuthTestEnv({ providers });
  const session = new HttpSession(plain.target);
  try {
    const start = await session.get(authorizeUrl(plain.target, { clientId: plain.clientId, redirectUri: plain.redirectUri, scope: 'demoziekenhuis~53' }));
    const uid = /\/interaction\/([A-Za-z0-9_-]+)/.exec(start.location!)![1]!;
    await session.get(start.location!);
    const loginPage = await session.get(`/interaction/${uid}/login`);
    let next = await session.postForm(`/interaction/${uid}/login`, { ...hiddenFields(loginPage.body), bsn: KNOWN_BSN });
    while (next.location && new URL(next.location).origin === new URL(plain.patientUrl).origin) next = await session.get(next.location);
    expect(new URL(next.location!).searchParams.get('error')).toBe('access_denied');
  } finally {
    await session.close();
    await plain.close();
  }
});
