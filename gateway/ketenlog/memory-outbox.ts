import type { Outbox, OutboxEntry } from './outbox.js';

/** The development outbox: one process, lost on restart (production refuses memory storage). */
export class MemoryOutbox implements Outbox {
  private entries: OutboxEntry[] = [];
  private lastMs = 0;
  private seq = 0;

  async append(records: readonly string[]): Promise<void> {
    for (const record of records) {
      const now = Date.now();
      // Ids shaped like Redis stream ids (ms-seq), increasing even within one millisecond.
      if (now > this.lastMs) {
        this.lastMs = now;
        this.seq = 0;
      } else this.seq += 1;
      this.entries.push({ id: `${this.lastMs}-${this.seq}`, record, queuedAtMs: now });
    }
  }

  async peek(max: number): Promise<readonly OutboxEntry[]> {
    return this.entries.slice(0, Math.max(0, max));
  }

  async ack(ids: readonly string[]): Promise<number> {
    const gone = new Set(ids);
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => !gone.has(e.id));
    return before - this.entries.length;
  }

  async size(): Promise<number> {
    return this.entries.length;
  }

  async dropOldest(count: number): Promise<number> {
    const n = Math.min(Math.max(0, count), this.entries.length);
    this.entries.splice(0, n);
    return n;
  }
}
