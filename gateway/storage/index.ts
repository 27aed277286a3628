import type { Logger } from '../observability/index.js';
import type { KeyValueStore } from './key-value-store.js';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';

export type { KeyValueStore } from './key-value-store.js';
export { MemoryStore } from './memory-store.js';
export { RedisStore, type RedisStoreOptions } from './redis-store.js';

/**
 * The `storage` section of the config, restated here so that storage/ does not depend on config/
 * (config's StorageConfig is assignable to it).
 */
export type StorageSettings =
  | { readonly kind: 'memory' }
  | { readonly kind: 'redis'; readonly url: string; readonly keyPrefix: string; readonly connectTimeoutMs: number; readonly commandTimeoutMs: number };

/**
 * The store the config names. A Redis store must answer within `connectTimeoutMs`, or start-up
 * fails with STORAGE_UNAVAILABLE: better no gateway than one that cannot keep its grants.
 */
export async function createStore(config: StorageSettings, log: Logger): Promise<KeyValueStore> {
  if (config.kind === 'memory') return new MemoryStore();
  const store = new RedisStore({
    url: config.url,
    keyPrefix: config.keyPrefix,
    connectTimeoutMs: config.connectTimeoutMs,
    commandTimeoutMs: config.commandTimeoutMs,
    log: log.child({ component: 'redis-store' }),
  });
  try {
    await store.ready(config.connectTimeoutMs);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
export { isStorageUnavailable, STORAGE_RETRY_AFTER_SECONDS } from './storage-unavailable.js';
export { createRateLimiter, type RateLimiter, type RateLimitPolicy, type RateLimitVerdict } from './rate-limiter.js';
export { checkPersistence, type PersistenceVerdict } from './persistence-check.js';
