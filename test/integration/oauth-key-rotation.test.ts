import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { authorizeUrl, authorizeWithoutBrowser, HttpSession, startOAuthTestEnv, type OAuthTestEnv } from '../helpers/oauth.js';

/**
 * Cookie keys rotate without a restart (issue: "signing and cookie keys from config, rotatable
 * without a restart"): oauth.keysFile is re-read by reloadKeys() (SIGHUP in the gateway). The
 * newest key signs; older keys listed after it still verify, so a patient halfway through the
 * flow is not thrown out by a rotation; a key removed from the file no longer verifies anything.
 */
const K1 = 'key-one-0123456789abcdef0123456789abcdef';
const K2 = 'key-two-0123456789abcdef0123456789abcdef';
const K3 = 'key-three-0123456789abcdef0123456789abcdef';

let dir: string;
let keysFile: string;
let env: OAuthTestEnv;

const writeKeys = (keys: string[]) => writeFile(keysFile, JSON.stringify({ cookieKeys: keys }));

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'oauth-keys-'));
  keysFile = path.join(dir, 'oauth-keys.json');
  await writeKeys([K1]);
  env = await startOAuthTestEnv({ oauth: { keysFile } });
});

afterAll(async () => {
  await env?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Starts a flow: the authorization request, answered with a redirect to the landing page. */
async function startFlow(session: HttpSession): Promise<string> {
  const first = await session.get(authorizeUrl(env.target, { clientId: env.clientId, redirectUri: env.redirectUri }));
  expect(first.status).toBe(303);
  expect(first.location).toMatch(/\/interaction\//);
  return first.location!;
}

test('a flow started under the old key finishes after rotation; a key removed from the file no longer verifies', async () => {
  const halfway = new HttpSession(env.target);
  const orphaned = new HttpSession(env.target);
  try {
    const landing = await startFlow(halfway);
    expect((await halfway.get(landing)).status).toBe(200);

    // Rotate: K2 now signs, K1 still verifies.
    await writeKeys([K2, K1]);
    await env.server.reloadKeys();
    expect((await halfway.get(landing)).status).toBe(200);
    const fresh = new HttpSession(env.target);
    try {
      const back = await authorizeWithoutBrowser(fresh, { clientId: env.clientId, redirectUri: env.redirectUri });
      expect(back.searchParams.get('code')).toBeTruthy();
    } finally {
      await fresh.close();
    }

    // A flow started under K2, then K2 and K1 are retired: its cookies no longer verify.
    const orphanLanding = await startFlow(orphaned);
    await writeKeys([K3]);
    await env.server.reloadKeys();
    const after = await orphaned.get(orphanLanding);
    expect(after.status).not.toBe(200);
    expect(after.body).not.toMatch(/Inloggen|Log in/);
  } finally {
    await halfway.close();
    await orphaned.close();
  }
});

test('a keys file that is not valid is refused and the keys in force stay', async () => {
  await writeFile(keysFile, '{"cookieKeys": ["short"]}');
  await expect(env.server.reloadKeys()).rejects.toThrow(/cookieKeys/);
  // K3 (from the previous test) is still in force: a whole flow works.
  const session = new HttpSession(env.target);
  try {
    const back = await authorizeWithoutBrowser(session, { clientId: env.clientId, redirectUri: env.redirectUri });
    expect(back.searchParams.get('code')).toBeTruthy();
  } finally {
    await session.close();
  }
});
