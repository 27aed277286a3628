import type { Logger } from '../observability/index.js';
import type { KeyValueStore } from '../storage/index.js';
import type { KetenlogQueue } from './ketenlog-queue.js';
import type { LogApiClient } from './log-api-client.js';
import type { Outbox, OutboxEntry } from './outbox.js';

export interface BatchLimits {
  readonly maxEvents: number;
  /** Bytes of the JSON array; MedMij accepts at most 60 MB per batch. */
  readonly maxBytes: number;
  /** A batch goes out at the latest this long after its oldest record was queued. */
  readonly maxAgeMs: number;
}

export interface RetryPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export interface ShipperOptions {
  readonly outbox: Outbox;
  readonly queue: KetenlogQueue;
  readonly client: LogApiClient;
  readonly batch: BatchLimits;
  readonly retry: RetryPolicy;
  /** Replicas sharing one outbox: only the holder of this lease ships, so no batch goes twice. */
  readonly lease?: { readonly store: KeyValueStore; readonly key: string; readonly owner: string; readonly ttlMs: number };
  readonly log: Logger;
  readonly random?: () => number;
}

export interface ShipperStats {
  sent: number;
  failedAttempts: number;
  consecutiveFailures: number;
  /** Records the API refused three times on their own and that were removed (alarm). */
  rejected: number;
  lastStatus?: number;
  lastError?: string;
}

/**
 * Moves records from the outbox to MedMij's log API: oldest first, in batches bounded by count,
 * size and age; a batch leaves the outbox only after a 2xx, so a crash, an outage, a slow or
 * failing API loses nothing (at-least-once, and the same entries are re-sent as the same batch
 * with the same Idempotency-Key). Failures back off exponentially with jitter up to a cap. Runs
 * beside the patient traffic, never in its path.
 */
export class Shipper {
  readonly stats: ShipperStats = { sent: 0, failedAttempts: 0, consecutiveFailures: 0, rejected: 0 };
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private storedSincePeek = 0;
  private lastPeekCount = 0;
  private sleeping: NodeJS.Timeout | undefined;
  private retryLength: number | undefined;
  private rejectedId: string | undefined;
  private rejections = 0;

  constructor(private readonly o: ShipperOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    if (this.o.lease) await this.releaseLease().catch(() => undefined);
  }

  /** Records were stored: wake up early once a batch is full by count. */
  noteStored(count: number): void {
    this.storedSincePeek += count;
    if (this.lastPeekCount + this.storedSincePeek >= this.o.batch.maxEvents) this.wake?.();
  }

  /**
   * One pass for operators (CLI `ketenlog resend`): sends every full or partial batch now,
   * ignoring age and back-off, until the outbox is empty or a send fails.
   */
  async drainNow(): Promise<{ sent: number; failed: boolean; status?: number; leaseHeld?: boolean }> {
    let sent = 0;
    // A running gateway holds the lease: then it ships, and a second sender would duplicate.
    if (this.o.lease && !(await this.holdLease())) return { sent, failed: false, leaseHeld: true };
    for (;;) {
      const entries = await this.o.outbox.peek(this.o.batch.maxEvents);
      const batch = cutBySize(entries, this.o.batch.maxBytes);
      if (batch.length === 0) return { sent, failed: false };
      const result = await this.sendBatch(batch);
      if (!result.ok) return { sent, failed: true, ...(result.status === undefined ? {} : { status: result.status }) };
      sent += batch.length;
    }
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (this.running) {
      try {
        if (this.o.lease && !(await this.holdLease())) {
          await this.pause(this.o.lease.ttlMs / 2, true);
          continue;
        }
        this.storedSincePeek = 0;
        const entries = await this.o.outbox.peek(this.o.batch.maxEvents);
        this.lastPeekCount = entries.length;
        if (entries.length === 0) {
          this.o.queue.noteSize(0);
          await this.pause(this.o.batch.maxAgeMs, true);
          continue;
        }
        // A retry re-sends exactly the batch that failed (same entries, so the same Idempotency-Key):
        // the API may have stored it before the answer was lost, and can then recognise it.
        const batch = this.retryLength === undefined ? cutBySize(entries, this.o.batch.maxBytes) : entries.slice(0, this.retryLength);
        const full = this.retryLength !== undefined || batch.length === this.o.batch.maxEvents || batch.length < entries.length;
        const age = Date.now() - (batch[0]?.queuedAtMs ?? Date.now());
        if (!full && age < this.o.batch.maxAgeMs) {
          await this.pause(this.o.batch.maxAgeMs - age, true);
          continue;
        }
        const result = await this.sendBatch(batch);
        if (result.ok) {
          attempt = 0;
          this.retryLength = undefined;
          continue;
        }
        this.retryLength = result.rejected ? await this.isolateRejected(batch) : batch.length;
        attempt += 1;
      } catch (err) {
        // The outbox itself failed (storage down): same back-off as a failed send.
        attempt += 1;
        this.stats.lastError = err instanceof Error ? err.message : String(err);
      }
      await this.pause(this.backoff(attempt), false);
    }
  }

  /**
   * The API refused the batch itself (400/413/422: retrying it unchanged would block the queue for
   * good). Halve it until the refused record is alone; a single record refused three times is
   * removed with an alarm, so one bad record never holds up the others. Returns the next length.
   */
  private async isolateRejected(batch: readonly OutboxEntry[]): Promise<number | undefined> {
    if (batch.length > 1) return Math.ceil(batch.length / 2);
    const only = batch[0]!;
    this.rejections = this.rejectedId === only.id ? this.rejections + 1 : 1;
    this.rejectedId = only.id;
    if (this.rejections < 3) return 1;
    const removed = await this.o.outbox.ack([only.id]);
    this.o.queue.noteDelivered(removed);
    this.stats.rejected += removed;
    this.o.log.error({ id: only.id, status: this.stats.lastStatus }, 'MedMij log API refused a record three times; removed from the outbox');
    return undefined;
  }

  private async sendBatch(batch: readonly OutboxEntry[]): Promise<{ ok: boolean; status?: number; rejected?: boolean }> {
    const ids = batch.map((e) => e.id);
    let status: number | undefined;
    try {
      status = await this.o.client.send(
        batch.map((e) => e.record),
        ids,
      );
    } catch (err) {
      this.fail(err instanceof Error ? err.message : String(err));
      return { ok: false };
    }
    this.stats.lastStatus = status;
    if (status < 200 || status >= 300) {
      this.fail(`MedMij log API answered ${status}`);
      return { ok: false, status, rejected: status === 400 || status === 413 || status === 422 };
    }
    const removed = await this.o.outbox.ack(ids);
    this.o.queue.noteDelivered(removed);
    this.stats.sent += batch.length;
    this.stats.consecutiveFailures = 0;
    delete this.stats.lastError;
    return { ok: true, status };
  }

  private fail(reason: string): void {
    this.stats.failedAttempts += 1;
    this.stats.consecutiveFailures += 1;
    this.stats.lastError = reason;
    // Once per outage and then every tenth attempt: enough to see, not a flood.
    if (this.stats.consecutiveFailures === 1 || this.stats.consecutiveFailures % 10 === 0) {
      this.o.log.warn({ reason, attempts: this.stats.consecutiveFailures }, 'MedMij log batch not delivered; will retry');
    }
  }

  /** Exponential back-off with "equal jitter": half fixed, half random, capped. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.o.retry.maxDelayMs, this.o.retry.initialDelayMs * 2 ** Math.min(attempt - 1, 30));
    return ceiling / 2 + (this.o.random ?? Math.random)() * (ceiling / 2);
  }

  private pause(ms: number, wakeable: boolean): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(this.sleeping);
        this.wake = undefined;
        resolve();
      };
      this.sleeping = setTimeout(done, Math.max(1, ms));
      // stop() always wakes; new records wake only an idle wait, never a back-off.
      this.wake = wakeable ? done : () => (this.running ? undefined : done());
    });
  }

  private async holdLease(): Promise<boolean> {
    const l = this.o.lease!;
    if (await l.store.setIfAbsent(l.key, l.owner, l.ttlMs)) return true;
    if ((await l.store.get(l.key)) !== l.owner) return false;
    await l.store.set(l.key, l.owner, l.ttlMs);
    return true;
  }

  private async releaseLease(): Promise<void> {
    const l = this.o.lease!;
    if ((await l.store.get(l.key)) === l.owner) await l.store.del(l.key);
  }
}

/** The longest prefix whose JSON array fits in maxBytes (always at least one entry). */
export function cutBySize(entries: readonly OutboxEntry[], maxBytes: number): readonly OutboxEntry[] {
  let bytes = 2;
  let n = 0;
  for (const e of entries) {
    const add = Buffer.byteLength(e.record) + (n === 0 ? 0 : 1);
    if (n > 0 && bytes + add > maxBytes) break;
    bytes += add;
    n += 1;
  }
  return entries.slice(0, n);
}
