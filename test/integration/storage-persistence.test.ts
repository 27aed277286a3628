import { afterAll, describe, expect, it } from '@jest/globals';
import { listedPgoTarget, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { HttpSession, obtainToken, type TokenTarget } from '../helpers/oauth.js';
import { redisServerAvailable, startOwnRedis, type OwnRedis } from '../helpers/own-redis.js';

/**
 * Issue 9, finding 6: a Redis restart erased every long-term consent when Redis kept nothing on
 * disk, and the gateway reconnected and reported ready. Now, with storage.requirePersistence,
 * /ready says not ready (and why) for a Redis that keeps nothing on disk; and with a persisting
 * Redis of the test's own (appendonly yes) a refresh token issued before a Redis restart still
 * works after it.
 */
const available = redisServerAvailable();
if (!available) process.stdout.write('storage-persistence.test.ts skipped: redis-server is not installed\n');
const suite = available ? describe : describe.skip;

const FLOW = { clientId: 'pgo.listed.test', redirectUri: 'https://pgo.listed.test/medmij/callback', scope: 'demoziekenhuis', longTerm: true, bsn: '999911120' };

async function gatewayOn(redis: OwnRedis): Promise<{ gw: TestGateway; target: TokenTarget }> {
  const gw = await startTestGateway({
    storageYaml: `{ kind: redis, url: "${redis.url}", keyPrefix: "persist-${process.pid}:", connectTimeoutMs: 2000, commandTimeoutMs: 1000, requirePersistence: true }`,
  });
  const target = await listedPgoTarget(gw);
  return { gw, target };
}

async function ready(gw: TestGateway): Promise<{ status: number; body: { checks: Array<{ name: string; ok: boolean; detail?: string }> } }> {
  const res = await fetch(`${gw.urls.operations}/ready`);
  return { status: res.status, body: (await res.json()) as { checks: Array<{ name: string; ok: boolean; detail?: string }> } };
}

suite('Redis persistence and long-term consent', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('reports not ready, and why, on a Redis that keeps nothing on disk', async () => {
    const redis = await startOwnRedis({ persist: false });
    cleanup.push(() => redis.close());
    const { gw } = await gatewayOn(redis);
    cleanup.push(() => gw.close());
    const answer = await ready(gw);
    expect(answer.status).toBe(503);
    const check = answer.body.checks.find((c) => c.name === 'storage-persistence');
    expect(check).toMatchObject({ ok: false });
    expect(check?.detail).toMatch(/keeps nothing on disk.*appendonly yes/);
  }, 30_000);

  it('is ready on a persisting Redis, and a refresh token from before a Redis restart still works after it', async () => {
    const redis = await startOwnRedis({ persist: true });
    cleanup.push(() => redis.close());
    const { gw, target } = await gatewayOn(redis);
    cleanup.push(() => gw.close());
    expect((await ready(gw)).status).toBe(200);

    const token = await obtainToken(target, FLOW);
    expect(typeof token.refresh_token).toBe('string');

    await redis.stop();
    await redis.start();
    // The gateway reconnects by itself (bounded back-off); wait until /ready says so.
    const end = Date.now() + 15_000;
    while ((await ready(gw)).status !== 200 && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    expect((await ready(gw)).status).toBe(200);

    const session = new HttpSession(target);
    try {
      const refreshed = await session.token({ grant_type: 'refresh_token', refresh_token: token.refresh_token!, client_id: FLOW.clientId });
      expect(refreshed.status).toBe(200);
      expect(typeof refreshed.json.access_token).toBe('string');
    } finally {
      await session.close();
    }
  }, 60_000);
});
