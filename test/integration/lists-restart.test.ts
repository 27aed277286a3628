import { randomUUID } from 'node:crypto';
import type { GatewayConfig } from '../../gateway/config/schema.js';
import { createListManager, type ListManager } from '../../gateway/lists/list-manager.js';
import { ListFetchError, type ListSource } from '../../gateway/lists/list-source.js';
import { MemoryAuditLog } from '../../gateway/observability/audit.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { MemoryStore, RedisStore, type KeyValueStore } from '../../gateway/storage/index.js';
import { whitelistXml } from '../unit/lists/fixtures.js';
import { redisReachable, TEST_REDIS_URL } from '../helpers/redis.js';

const REDIS_URL = TEST_REDIS_URL;
const HOUR = 3600_000;

function config(): GatewayConfig['lists'] {
  const list = { source: '/unused', refreshSeconds: 900, maxAgeSeconds: 8 * 3600 };
  return { whitelist: list, oauthClientList: list, zorgaanbiederslijst: list, gegevensdienstnamenlijst: list, fetch: { timeoutMs: 1000, maxBytes: 1024 * 1024 } };
}
const serving = (xml: string): ListSource => ({ description: 'test', fetch: async () => ({ xml }) });
const down: ListSource = { description: 'test', fetch: async () => { throw new ListFetchError('source down'); } };

function manager(store: KeyValueStore, whitelist: ListSource, clock: { t: number }, audit = new MemoryAuditLog()): ListManager {
  return createListManager({ config: config(), store, audit, log: createSilentLogger(), now: () => clock.t, sourceFor: (k) => (k === 'whitelist' ? whitelist : down) });
}

/** Two replicas (or a restart): the second starts with what the first stored. */
function restartSuite(name: string, openStore: () => Promise<{ store: KeyValueStore; close: () => Promise<void> }>) {
  describe(`list manager restart on ${name}`, () => {
    const opened: Array<() => Promise<void>> = [];
    const managers: ListManager[] = [];
    const open = async () => {
      const s = await openStore();
      opened.push(s.close);
      return s.store;
    };
    afterEach(async () => {
      managers.splice(0).forEach((m) => m.stop());
      for (const close of opened.splice(0)) await close();
    });

    it('starts a second manager with the stored last good list and its age', async () => {
      const clock = { t: Date.parse('2025-03-01T10:00:00Z') };
      const first = manager(await open(), serving(whitelistXml(42, ['pgo.listed.test'])), clock);
      managers.push(first);
      await first.start();
      clock.t += HOUR;
      const second = manager(await open(), down, clock);
      managers.push(second);
      await second.start();
      expect(second.current('whitelist')?.has('pgo.listed.test')).toBe(true);
      expect(second.status().find((x) => x.kind === 'whitelist')).toMatchObject({ volgnummer: 42, fetchedAt: '2025-03-01T10:00:00.000Z', ageSeconds: 3600, fresh: true });
      clock.t += 7 * HOUR;
      expect(second.current('whitelist')).toBeUndefined();
    });

    it('refuses an older Volgnummer than the stored one after a restart', async () => {
      const clock = { t: Date.now() };
      const first = manager(await open(), serving(whitelistXml(42)), clock);
      managers.push(first);
      await first.start();
      const audit = new MemoryAuditLog();
      const second = manager(await open(), serving(whitelistXml(41, ['old.test'])), clock, audit);
      managers.push(second);
      await second.start();
      expect(second.current('whitelist')?.volgnummer).toBe(42);
      expect(audit.ofType('medmij_list_refused').find((e) => e.detail?.startsWith('whitelist'))).toMatchObject({ reason: 'list_outdated_volgnummer' });
    });
  });
}

let shared = new MemoryStore();
beforeEach(() => (shared = new MemoryStore()));
restartSuite('a shared MemoryStore', async () => ({ store: shared, close: async () => undefined }));

const prefix = `gw-test:lists:${process.pid}:${randomUUID().slice(0, 8)}:`;
const redisOptions = { url: REDIS_URL, keyPrefix: prefix, connectTimeoutMs: 1000, commandTimeoutMs: 1000 };

if (await redisReachable()) {
  // Each "replica" gets its own connection; the prefix is per test, so tests do not see each other.
  let testPrefix = prefix;
  beforeEach(() => (testPrefix = `${prefix}${randomUUID().slice(0, 8)}:`));
  restartSuite('Redis (two connections)', async () => {
    const store = new RedisStore({ ...redisOptions, keyPrefix: testPrefix });
    await store.ready();
    return { store, close: async () => { await store.clearPrefix(); await store.close(); } };
  });
} else {
  console.warn(`Skipping the Redis list-restart tests: no Redis reachable at ${REDIS_URL}`);
  describe.skip('list manager restart on Redis (no Redis reachable)', () => {
    it('skipped', () => undefined);
  });
}
