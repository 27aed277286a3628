/**
 * The one storage port. Small on purpose: the authorization server, the list cache and rate limits
 * all fit on it, and every implementation passes test/contract/store.contract.ts.
 * Values are strings; callers serialise. TTLs are in milliseconds; no TTL means "keep".
 * `set` also takes the value as UTF-8 bytes, read back as text: a large value (the last good
 * copy of a 9 MB MedMij list) is then written without one long synchronous encode on the event
 * loop (issue 9, finding 5: node-redis measured and encoded the 9 MB string in one step, 176 ms
 * on a loaded machine).
 */
export interface KeyValueStore {
  get(key: string): Promise<string | undefined>;
  /**
   * Several values in one step, in the order of `keys` (undefined where absent): one round trip
   * and one await where a caller needs several records at once (every FHIR request reads a grant
   * and its details). Not a snapshot across the keys: each value is as current as a `get`.
   */
  getMany(keys: readonly string[]): Promise<Array<string | undefined>>;
  set(key: string, value: string | Uint8Array, ttlMs?: number): Promise<void>;
  /** Stores only when the key is absent; true when this call stored it. Atomic across replicas. */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  /** Reads and deletes in one atomic step: of two concurrent callers exactly one gets the value. */
  take(key: string): Promise<string | undefined>;
  del(key: string): Promise<void>;
  addToSet(key: string, member: string, ttlMs?: number): Promise<void>;
  members(key: string): Promise<readonly string[]>;
  /** True when the store answers; never throws. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
