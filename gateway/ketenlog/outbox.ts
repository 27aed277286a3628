/**
 * @module The outbox port: MedMij log records waiting to be shipped, oldest first. Durable in
 * production (a Redis stream, so a restart loses nothing and replicas share one queue); in memory
 * for development. Both pass test/contract/outbox.contract.ts.
 */
export interface OutboxEntry {
  /** Stable for the entry's life, time-ordered: the event's id across retries. */
  readonly id: string;
  /** The record, serialised once when it was queued: a re-send sends the same bytes. */
  readonly record: string;
  /** When it was queued (ms since the epoch). */
  readonly queuedAtMs: number;
}

export interface Outbox {
  /** Appends in order; when this resolves the records are stored. */
  append(records: readonly string[]): Promise<void>;
  /** The oldest `max` entries, oldest first, without removing them. */
  peek(max: number): Promise<readonly OutboxEntry[]>;
  /** Removes entries that were delivered; returns how many were still there. */
  ack(ids: readonly string[]): Promise<number>;
  size(): Promise<number>;
  /** Removes the oldest `count` entries (a full outbox in keep-serving mode); returns how many. */
  dropOldest(count: number): Promise<number>;
}
