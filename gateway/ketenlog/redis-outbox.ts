import type { RedisStore } from '../storage/index.js';
import type { Outbox, OutboxEntry } from './outbox.js';

/**
 * The outbox as a Redis stream (`<prefix>x:<name>`): entries survive a gateway restart and all
 * replicas sharing the Redis see one queue (one of them ships it at a time: ship-lease.ts). The
 * stream id (ms-seq) is the entry's stable id; its time part is when it was queued.
 */
export class RedisOutbox implements Outbox {
  constructor(
    private readonly store: RedisStore,
    private readonly name = 'ketenlog',
  ) {}

  async append(records: readonly string[]): Promise<void> {
    await this.store.streamAppend(this.name, records.map((r) => ({ r })));
  }

  async peek(max: number): Promise<readonly OutboxEntry[]> {
    if (max <= 0) return [];
    const head = await this.store.streamHead(this.name, max);
    return head.map(({ id, fields }) => ({ id, record: fields['r'] ?? '', queuedAtMs: Number(id.split('-')[0]) }));
  }

  async ack(ids: readonly string[]): Promise<number> {
    return this.store.streamDelete(this.name, ids);
  }

  async size(): Promise<number> {
    return this.store.streamLength(this.name);
  }

  async dropOldest(count: number): Promise<number> {
    const head = await this.peek(count);
    return this.store.streamDelete(
      this.name,
      head.map((e) => e.id),
    );
  }
}
