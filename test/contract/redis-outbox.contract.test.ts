import { randomUUID } from 'node:crypto';
import { RedisOutbox } from '../../gateway/ketenlog/index.js';
import { RedisStore } from '../../gateway/storage/index.js';
import { redisReachable, TEST_REDIS_URL } from '../helpers/redis.js';
import { runOutboxContract } from './outbox.contract.js';

const runId = `gw-test:outbox:${process.pid}:${randomUUID().slice(0, 8)}`;
let n = 0;
const reachable = await redisReachable();

if (reachable) {
  runOutboxContract('RedisOutbox', async () => {
    const store = new RedisStore({ url: TEST_REDIS_URL, keyPrefix: `${runId}:${n++}:`, connectTimeoutMs: 1000, commandTimeoutMs: 1000 });
    await store.ready();
    return {
      outbox: new RedisOutbox(store),
      cleanup: async () => {
        await store.clearPrefix();
        await store.close();
      },
    };
  });

  it('RedisOutbox: a second connection (another replica, or the gateway after a restart) sees the same queue', async () => {
    const prefix = `${runId}:shared:`;
    const a = new RedisStore({ url: TEST_REDIS_URL, keyPrefix: prefix, connectTimeoutMs: 1000, commandTimeoutMs: 1000 });
    await a.ready();
    await new RedisOutbox(a).append(['one', 'two']);
    await a.close();
    const b = new RedisStore({ url: TEST_REDIS_URL, keyPrefix: prefix, connectTimeoutMs: 1000, commandTimeoutMs: 1000 });
    await b.ready();
    try {
      expect((await new RedisOutbox(b).peek(10)).map((e) => e.record)).toEqual(['one', 'two']);
    } finally {
      await b.clearPrefix();
      await b.close();
    }
  });
} else if (process.env['CI'] === 'true') {
  it(`RedisOutbox contract needs Redis at ${TEST_REDIS_URL}`, () => {
    throw new Error(`no Redis reachable at ${TEST_REDIS_URL} in CI`);
  });
} else {
  console.warn(`Skipping the RedisOutbox contract: no Redis reachable at ${TEST_REDIS_URL}`);
  describe.skip('Outbox contract: RedisOutbox (no Redis reachable)', () => {
    it('skipped', () => undefined);
  });
}
