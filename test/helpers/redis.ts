import { RedisStore } from '../../gateway/storage/index.js';

/** The Redis the suite talks to: 127.0.0.1:6379 unless GW_TEST_REDIS_URL says otherwise. */
export const TEST_REDIS_URL = process.env['GW_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/**
 * Whether RedisStore can reach that Redis now, probed with RedisStore itself so "reachable"
 * means reachable for the code under test. Suites that need Redis skip (with a printed reason)
 * when it is not, except under CI, where they must fail instead.
 */
export async function redisReachable(url: string = TEST_REDIS_URL): Promise<boolean> {
  const probe = new RedisStore({ url, keyPrefix: 'gw-probe:', connectTimeoutMs: 1000, commandTimeoutMs: 1000 });
  try {
    await probe.ready(1500);
    return true;
  } catch {
    return false;
  } finally {
    await probe.close();
  }
}
