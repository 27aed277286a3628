import type { Logger } from '../observability/index.js';
import type { Outbox } from './outbox.js';

/** What the gateway does when the outbox holds `maxEvents`: the operator's choice (config). */
export type WhenFull = 'keep-serving' | 'refuse-new-flows';

export interface QueueOptions {
  readonly outbox: Outbox;
  readonly maxEvents: number;
  readonly whenFull: WhenFull;
  readonly log: Logger;
  /** Raised once per episode of dropping (keep-serving), for the local audit trail. */
  readonly onDrop?: (count: number) => void;
  /** Called after records were stored, so the shipper can wake when a batch is full. */
  readonly onStored?: (count: number) => void;
}

/**
 * The writing side of the outbox. `enqueue` is synchronous and never throws or waits, so an
 * audit call on the patient's path costs a push onto an array (never blocking patient traffic);
 * one writer at a time moves the records into the outbox, in order. While the outbox cannot be
 * written (storage down) records wait here, bounded by the same `maxEvents`.
 */
export class KetenlogQueue {
  private pending: string[] = [];
  private writing: Promise<void> | undefined;
  private knownSize = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  dropped = 0;
  storeFailures = 0;

  constructor(private readonly o: QueueOptions) {}

  /** Reads the outbox's size once at start (a restart finds what is still queued). */
  async start(): Promise<void> {
    this.knownSize = await this.o.outbox.size();
  }

  enqueue(record: string): void {
    if (this.closed) return;
    this.pending.push(record);
    if (this.pending.length > this.o.maxEvents) this.drop(this.pending.splice(0, this.pending.length - this.o.maxEvents).length);
    this.kick();
  }

  /** Queued in the outbox plus not yet written. */
  get size(): number {
    return this.knownSize + this.pending.length;
  }

  get full(): boolean {
    return this.size >= this.o.maxEvents;
  }

  /** The shipper tells us what it saw and what it delivered, so `full` stays current. */
  noteSize(outboxSize: number): void {
    this.knownSize = outboxSize;
  }

  noteDelivered(count: number): void {
    this.knownSize = Math.max(0, this.knownSize - count);
  }

  /** Resolves when every record enqueued so far is in the outbox (or writing failed). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  async close(): Promise<void> {
    clearTimeout(this.retryTimer);
    await this.flush();
    this.closed = true;
  }

  private kick(): void {
    if (this.writing || this.pending.length === 0) return;
    this.writing = this.write().finally(() => {
      this.writing = undefined;
      if (this.pending.length > 0 && this.retryTimer === undefined) this.kick();
    });
  }

  private async write(): Promise<void> {
    while (this.pending.length > 0) {
      const records = this.pending.splice(0, 500);
      try {
        if (this.o.whenFull === 'keep-serving') await this.makeRoom(records.length);
        await this.o.outbox.append(records);
        this.knownSize += records.length;
        this.o.onStored?.(records.length);
      } catch (err) {
        // Storage down: keep them (in order) and try again shortly; /ready already says storage is out.
        this.pending.unshift(...records);
        this.storeFailures += 1;
        this.o.log.warn({ err: err instanceof Error ? err.message : String(err), waiting: this.pending.length }, 'ketenlog outbox not writable; records wait in memory');
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.kick();
        }, 500);
        this.retryTimer.unref();
        return;
      }
    }
  }

  /** Keep-serving: the oldest records go so the newest fit, with an alarm (never silently). */
  private async makeRoom(incoming: number): Promise<void> {
    const excess = this.knownSize + incoming - this.o.maxEvents;
    if (excess <= 0) return;
    const removed = await this.o.outbox.dropOldest(excess);
    this.knownSize = Math.max(0, this.knownSize - removed);
    this.drop(removed);
  }

  private drop(count: number): void {
    if (count <= 0) return;
    this.dropped += count;
    this.o.log.error({ dropped: count, droppedTotal: this.dropped }, 'ketenlog outbox full: oldest MedMij log records dropped');
    this.o.onDrop?.(count);
  }
}
