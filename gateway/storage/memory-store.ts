import type { KeyValueStore } from './key-value-store.js';

interface Entry<V> {
  value: V;
  expiresAt: number | undefined;
}

/**
 * In-process store for the embedded default and tests. Not shared between replicas, so
 * `mode: production` refuses it (config/schema.ts).
 */
export class MemoryStore implements KeyValueStore {
  private readonly values = new Map<string, Entry<string | Uint8Array>>();
  private readonly sets = new Map<string, Entry<Set<string>>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    // Expired entries are dropped on read; the sweep only bounds memory for keys never read again.
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  async get(key: string): Promise<string | undefined> {
    return asText(this.live(this.values, key)?.value);
  }

  async getMany(keys: readonly string[]): Promise<Array<string | undefined>> {
    return keys.map((key) => asText(this.live(this.values, key)?.value));
  }

  async set(key: string, value: string | Uint8Array, ttlMs?: number): Promise<void> {
    this.values.set(key, { value, expiresAt: this.expiry(ttlMs) });
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    if (this.live(this.values, key)) return false;
    this.values.set(key, { value, expiresAt: this.expiry(ttlMs) });
    return true;
  }

  async take(key: string): Promise<string | undefined> {
    const entry = this.live(this.values, key);
    this.values.delete(key);
    return asText(entry?.value);
  }

  async del(key: string): Promise<void> {
    this.values.delete(key);
    this.sets.delete(key);
  }

  async addToSet(key: string, member: string, ttlMs?: number): Promise<void> {
    const entry = this.live(this.sets, key) ?? { value: new Set<string>(), expiresAt: undefined };
    entry.value.add(member);
    if (ttlMs !== undefined) entry.expiresAt = this.expiry(ttlMs);
    this.sets.set(key, entry);
  }

  async members(key: string): Promise<readonly string[]> {
    return [...(this.live(this.sets, key)?.value ?? [])];
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.values.clear();
    this.sets.clear();
  }

  private expiry(ttlMs: number | undefined): number | undefined {
    return ttlMs === undefined ? undefined : this.now() + ttlMs;
  }

  private live<V>(map: Map<string, Entry<V>>, key: string): Entry<V> | undefined {
    const entry = map.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= this.now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    for (const map of [this.values, this.sets] as Map<string, Entry<unknown>>[]) {
      for (const key of map.keys()) this.live(map, key);
    }
  }
}

/** Values given as bytes are kept as given and read back as their UTF-8 text. */
function asText(value: string | Uint8Array | undefined): string | undefined {
  return value === undefined || typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
}
