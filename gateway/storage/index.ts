import type { Logger } from '../observability/index.js';
import type { KeyValueStore } from './key-value-store.js';
import { MemoryStore } from './memory-store.js';
import { readRedisTls, type RedisTopology } from './redis-client.js';
import { RedisStore } from './redis-store.js';

export type { KeyValueStore } from './key-value-store.js';
export { MemoryStore } from './memory-store.js';
export { RedisStore, type RedisStoreOptions } from './redis-store.js';
export type { RedisTopology, RedisTlsMaterial } from './redis-client.js';

/**
 * The `storage` section of the config, restated here so that storage/ does not depend on config/
 * (config's StorageConfig is assignable to it).
 */
export type StorageSettings =
  | { readonly kind: 'memory' }
  | {
      readonly kind: 'redis';
      readonly url?: string | undefined;
      readonly sentinel?: { readonly masterName: string; readonly nodes: ReadonlyArray<{ readonly host: string; readonly port: number }>; readonly password?: string | undefined } | undefined;
      readonly cluster?: { readonly nodes: readonly string[] } | undefined;
      readonly username?: string | undefined;
      readonly password?: string | undefined;
      readonly tls?: { readonly caFile: string; readonly certFile?: string | undefined; readonly keyFile?: string | undefined; readonly serverName?: string | undefined } | undefined;
      readonly keyPrefix: string;
      readonly connectTimeoutMs: number;
      readonly commandTimeoutMs: number;
    };

type RedisSettings = Extract<StorageSettings, { kind: 'redis' }>;

/** Which of url / sentinel / cluster the settings name (the schema allows exactly one). */
export function redisTopologyOf(config: RedisSettings): RedisTopology {
  if (config.sentinel !== undefined) {
    const { masterName, nodes, password } = config.sentinel;
    return { kind: 'sentinel', masterName, nodes, ...(password === undefined ? {} : { sentinelPassword: password }) };
  }
  if (config.cluster !== undefined) return { kind: 'cluster', nodes: config.cluster.nodes };
  if (config.url !== undefined) return { kind: 'single', url: config.url };
  throw new Error('storage: name one of url, sentinel or cluster');
}

/**
 * The store the config names. A Redis store must answer within `connectTimeoutMs`, or start-up
 * fails with STORAGE_UNAVAILABLE: better no gateway than one that cannot keep its grants.
 */
export async function createStore(config: StorageSettings, log: Logger): Promise<KeyValueStore> {
  if (config.kind === 'memory') return new MemoryStore();
  const t = config.tls;
  const tls =
    t === undefined
      ? undefined
      : await readRedisTls({
          caFile: t.caFile,
          ...(t.certFile === undefined ? {} : { certFile: t.certFile }),
          ...(t.keyFile === undefined ? {} : { keyFile: t.keyFile }),
          ...(t.serverName === undefined ? {} : { serverName: t.serverName }),
        });
  const store = new RedisStore({
    topology: redisTopologyOf(config),
    ...(config.username === undefined ? {} : { username: config.username }),
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(tls === undefined ? {} : { tls }),
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
