import { ErrorCodes, GatewayError } from '../errors.js';
import type { Logger } from '../observability/index.js';
import type { KeyValueStore } from './key-value-store.js';
import { createRedisConnection, type RedisConnection, type RedisTlsMaterial, type RedisTopology } from './redis-client.js';

export interface RedisStoreOptions {
  /** redis:// or rediss:// URL; may carry credentials, so it is never logged. Shorthand for topology single. */
  readonly url?: string;
  /** One server, a Sentinel-watched primary, or a Cluster (redis-client.ts). */
  readonly topology?: RedisTopology;
  /** ACL user/password for sentinel and cluster data nodes (a url carries its own). */
  readonly username?: string;
  readonly password?: string;
  /** CA (and client certificate) for TLS to Redis. */
  readonly tls?: RedisTlsMaterial;
  /** Prepended to every key, so several gateways (or test runs) can share one Redis. */
  readonly keyPrefix: string;
  /** Deadline for one TCP/TLS connection attempt. */
  readonly connectTimeoutMs: number;
  /** A command with no answer within this time fails with STORAGE_UNAVAILABLE. */
  readonly commandTimeoutMs: number;
  /** Upper bound of the pause between reconnection attempts. Default 2000 ms. */
  readonly maxReconnectDelayMs?: number;
  readonly log?: Logger;
}

type Client = RedisConnection;

/**
 * KeyValueStore on Redis (node-redis v6), whichever way Redis is deployed (redis-client.ts creates
 * the connection: the only import of `redis`, house rule 1).
 *
 * Fail closed: there is no offline queue, so while Redis is unreachable every command rejects at
 * once with STORAGE_UNAVAILABLE, and a command that gets no answer is abandoned after
 * commandTimeoutMs. A request that needs an authorization code or a grant must fail, not hang or
 * be replayed later. Reconnection continues in the background with a bounded back-off.
 *
 * Values live under `<prefix>v:<key>` and sets under `<prefix>s:<key>`, so a value and a set of
 * the same name never collide (as in MemoryStore) and `del` removes both.
 */
export class RedisStore implements KeyValueStore {
  private readonly client: Client;
  private closed = false;
  private lastError: string | undefined;

  constructor(private readonly options: RedisStoreOptions) {
    const topology = options.topology ?? (options.url !== undefined ? { kind: 'single' as const, url: options.url } : undefined);
    if (topology === undefined) throw new Error('RedisStore: give a url or a topology');
    this.client = createRedisConnection({
      topology,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      connectTimeoutMs: options.connectTimeoutMs,
      maxReconnectDelayMs: options.maxReconnectDelayMs ?? 2000,
    });
    // Without a listener node-redis would throw 'error' events; log each outage once, not every retry.
    this.client.on('error', (err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      if (message !== this.lastError) options.log?.warn({ err: message }, 'redis unavailable');
      this.lastError = message;
    });
    this.client.on('ready', () => {
      if (this.lastError !== undefined) options.log?.info('redis connection restored');
      this.lastError = undefined;
    });
    // Connects in the background; until then (and while reconnecting) commands fail closed.
    this.client.connect().catch(() => undefined); // rejects only when closed before connecting
  }

  /**
   * Whether this Redis keeps its data across a restart (issue 9, finding 6): the append-only file
   * is on (INFO persistence `aof_enabled:1`), or RDB snapshots are scheduled (CONFIG GET save;
   * managed services that forbid CONFIG report `unknown` for that part). Redis docs,
   * "Redis persistence": AOF with appendfsync everysec loses at most about a second of writes.
   */
  async persistence(): Promise<{ readonly aof: boolean; readonly rdbSchedule: string | 'unknown' | '' }> {
    const info = String(await this.run((c) => c.info('persistence')));
    const aof = /^aof_enabled:1\s*$/m.test(info);
    let rdbSchedule: string = 'unknown';
    try {
      const reply: unknown = await this.run((c) => c.configGet('save'));
      const value = (reply as Record<string, string> | undefined)?.['save'];
      if (typeof value === 'string') rdbSchedule = value.trim();
    } catch {
      /* CONFIG disabled (managed Redis): only the INFO answer counts */
    }
    return { aof, rdbSchedule };
  }

  /** For storage/rate-limiter.ts only (rate-limiter-flexible runs its own Lua on this client). */
  get nativeClient(): { readonly client: unknown; readonly keyPrefix: string } {
    return { client: this.client, keyPrefix: this.options.keyPrefix };
  }

  /** Resolves once Redis is connected; rejects with STORAGE_UNAVAILABLE when it is not within timeoutMs. */
  async ready(timeoutMs: number = this.options.connectTimeoutMs): Promise<void> {
    if (this.closed) throw unavailable('store is closed');
    if (this.client.isReady) return;
    // Polled rather than awaited as an event: the Cluster client has no 'ready' event of its own,
    // and events.once would reject on the 'error' events of each failed attempt meanwhile.
    const until = Date.now() + timeoutMs;
    while (!this.client.isReady && !this.closed && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const ok = this.client.isReady;
    if (!ok) throw unavailable(`redis not reachable within ${timeoutMs} ms`);
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.run((c) => c.get(this.valueKey(key)))) ?? undefined;
  }

  async getMany(keys: readonly string[]): Promise<Array<string | undefined>> {
    if (keys.length === 0) return [];
    // One GET per key, sent together under one deadline: node-redis writes commands issued in the
    // same tick as one pipeline, so this is one round trip. Not MGET: in a Cluster the keys live
    // in different slots, and a multi-key command across slots fails with CROSSSLOT.
    const replies = await this.run((c) => Promise.all(keys.map((key) => c.get(this.valueKey(key)))));
    return replies.map((reply) => reply ?? undefined);
  }

  async set(key: string, value: string | Uint8Array, ttlMs?: number): Promise<void> {
    if (ttlMs !== undefined && ttlMs <= 0) return this.del(key); // already expired, as in MemoryStore
    const k = this.valueKey(key);
    // Bytes go out as they are (a view, no copy): node-redis neither measures nor encodes them.
    const v = typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    await this.run((c) => (ttlMs === undefined ? c.set(k, v) : c.set(k, v, { expiration: { type: 'PX', value: px(ttlMs) } })));
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    if (ttlMs !== undefined && ttlMs <= 0) return false;
    const k = this.valueKey(key);
    const reply = await this.run((c) =>
      c.set(k, value, ttlMs === undefined ? { condition: 'NX' } : { condition: 'NX', expiration: { type: 'PX', value: px(ttlMs) } }),
    );
    return reply === 'OK';
  }

  async take(key: string): Promise<string | undefined> {
    // GETDEL (Redis >= 6.2) is one command, so of concurrent callers exactly one sees the value.
    return (await this.run((c) => c.getDel(this.valueKey(key)))) ?? undefined;
  }

  async del(key: string): Promise<void> {
    // Two commands, not one DEL of two keys: in a Cluster the two keys live in different slots
    // (a multi-key DEL would fail with CROSSSLOT). Each delete is idempotent.
    await this.run((c) => c.del(this.valueKey(key)));
    await this.run((c) => c.del(this.setKey(key)));
  }

  async addToSet(key: string, member: string, ttlMs?: number): Promise<void> {
    const k = this.setKey(key);
    if (ttlMs === undefined) {
      await this.run((c) => c.sAdd(k, member));
      return;
    }
    // One transaction, so the set never exists without its expiry.
    await this.run((c) => c.multi().sAdd(k, member).pExpire(k, Math.max(1, Math.ceil(ttlMs))).exec());
  }

  async members(key: string): Promise<readonly string[]> {
    const reply: unknown = await this.run((c) => c.sMembers(this.setKey(key)));
    return Array.isArray(reply) || reply instanceof Set ? [...reply].map(String) : [];
  }

  async ping(): Promise<boolean> {
    if (this.closed || !this.client.isReady) return false;
    try {
      await this.run((c) => c.ping(), Math.min(this.options.commandTimeoutMs, 1000));
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.client.isReady) {
      // Graceful: lets commands in flight finish, then quits. Bounded, then forced.
      const done = await withDeadline(this.client.close().then(() => true, () => false), this.options.commandTimeoutMs, () => false);
      if (done) return;
    }
    this.client.destroy();
  }

  /**
   * Deletes every key under this store's prefix (SCAN + UNLINK, never KEYS). Not part of the
   * port: for test clean-up and operator tooling. Returns the number of keys removed.
   */
  async clearPrefix(): Promise<number> {
    let removed = 0;
    const pattern = `${this.options.keyPrefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    await this.run(async (c) => {
      if (c.scanIterator === undefined) throw new Error('clearPrefix is not available on a Redis Cluster (SCAN is per node)');
      for await (const keys of c.scanIterator({ MATCH: pattern, COUNT: 500 })) {
        if (keys.length > 0) removed += await c.unlink(keys);
      }
    }, 30_000);
    return removed;
  }

  // --- Streams: the durable outbox of gateway/ketenlog (not part of the KeyValueStore port). ---
  // Here, beside the key-value commands, on the one connection storage/redis-client.ts creates.

  /** XADD of each entry, in order, in one transaction; returns the ids Redis gave them (time-ordered). */
  async streamAppend(name: string, entries: ReadonlyArray<Readonly<Record<string, string>>>): Promise<string[]> {
    if (entries.length === 0) return [];
    const k = this.streamKey(name);
    const replies = await this.run((c) => {
      const tx = c.multi();
      for (const fields of entries) tx.xAdd(k, '*', { ...fields });
      return tx.exec();
    });
    return (replies as unknown[]).map(String);
  }

  /** The oldest `count` entries (XRANGE - + COUNT n). */
  async streamHead(name: string, count: number): Promise<Array<{ id: string; fields: Record<string, string> }>> {
    const reply = await this.run((c) => c.xRange(this.streamKey(name), '-', '+', { COUNT: count }));
    return (reply ?? []).map((m) => ({ id: m.id, fields: { ...(m.message as Record<string, string>) } }));
  }

  /** XDEL: returns how many of the ids were still there. */
  async streamDelete(name: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return Number(await this.run((c) => c.xDel(this.streamKey(name), [...ids])));
  }

  async streamLength(name: string): Promise<number> {
    return Number(await this.run((c) => c.xLen(this.streamKey(name))));
  }

  private streamKey(name: string): string {
    return `${this.options.keyPrefix}x:${name}`;
  }

  private valueKey(key: string): string {
    return `${this.options.keyPrefix}v:${key}`;
  }

  private setKey(key: string): string {
    return `${this.options.keyPrefix}s:${key}`;
  }

  /** Runs one command with a deadline; every failure becomes STORAGE_UNAVAILABLE. */
  private async run<T>(command: (client: Client) => Promise<T>, timeoutMs = this.options.commandTimeoutMs): Promise<T> {
    if (this.closed) throw unavailable('store is closed');
    if (!this.client.isReady) throw unavailable('redis not connected');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(unavailable(`redis did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([command(this.client), deadline]);
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      throw unavailable('redis command failed', err);
    } finally {
      clearTimeout(timer);
    }
  }
}

function px(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs));
}

function unavailable(message: string, cause?: unknown): GatewayError {
  return new GatewayError(ErrorCodes.STORAGE_UNAVAILABLE, message, cause === undefined ? undefined : { cause });
}

async function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
