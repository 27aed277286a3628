import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Registry } from 'prom-client';
import type { AuditLog, Logger, ReadinessCheck } from '../observability/index.js';
import { RedisStore, type KeyValueStore } from '../storage/index.js';
import { KetenlogQueue, type WhenFull } from './ketenlog-queue.js';
import { registerKetenlogMetrics } from './ketenlog-metrics.js';
import { withKetenlog } from './ketenlog-sink.js';
import { createHttpsLogApiClient, type LogApiClient } from './log-api-client.js';
import { MemoryOutbox } from './memory-outbox.js';
import type { Outbox } from './outbox.js';
import { RedisOutbox } from './redis-outbox.js';
import { Shipper, type BatchLimits, type RetryPolicy } from './shipper.js';

/** The `ketenlog` config section, restated so that ketenlog/ does not depend on config/. */
export interface KetenlogSettings {
  readonly enabled: boolean;
  readonly url: string;
  readonly location?: string | undefined;
  readonly caFile?: string | undefined;
  readonly requestTimeoutMs: number;
  readonly batch: BatchLimits;
  readonly retry: RetryPolicy;
  readonly outbox: { readonly maxEvents: number; readonly whenFull: WhenFull };
}

export interface KetenlogDeps {
  readonly store: KeyValueStore;
  /** The gateway's own certificate and key (two-sided TLS to the log API). */
  readonly certFile: string;
  readonly keyFile: string;
  /** listeners.node.publicUrl: its host is `event.location` unless the config names one. */
  readonly nodePublicUrl: string;
  readonly log: Logger;
  readonly registry?: Registry;
  /** Tests and the benchmark: another transport. */
  readonly client?: LogApiClient;
  /** Where drops are raised as alarms (the local audit trail). */
  readonly alarms?: AuditLog;
}

export interface KetenlogStatus {
  readonly queued: number;
  readonly oldestAgeSeconds: number | undefined;
  readonly full: boolean;
  readonly whenFull: WhenFull;
  readonly sent: number;
  readonly failedAttempts: number;
  readonly dropped: number;
  readonly rejected: number;
  readonly lastError?: string;
}

export interface Ketenlog {
  /** The audit log that also feeds MedMij's log (wrap the local one once, in the composition root). */
  wrap(local: AuditLog): AuditLog;
  /** False while the outbox is full and the operator chose refuse-new-flows. */
  acceptingNewFlows(): boolean;
  readonly readiness: ReadinessCheck;
  status(): Promise<KetenlogStatus>;
  /** Operators: send everything queued now, ignoring age and back-off. */
  drainNow(): Promise<{ sent: number; failed: boolean; status?: number; leaseHeld?: boolean }>;
  /** Resolves when every record recorded so far is in the outbox. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** The outbox for the configured store: a Redis stream when storage is Redis, else memory. */
export function outboxFor(store: KeyValueStore): Outbox {
  return store instanceof RedisStore ? new RedisOutbox(store) : new MemoryOutbox();
}

export async function createKetenlog(settings: KetenlogSettings, deps: KetenlogDeps, options: { readonly ship?: boolean } = {}): Promise<Ketenlog> {
  const log = deps.log.child({ component: 'ketenlog' });
  const outbox = outboxFor(deps.store);
  const client =
    deps.client ??
    createHttpsLogApiClient({
      url: settings.url,
      cert: await readFile(deps.certFile, 'utf8'),
      key: await readFile(deps.keyFile, 'utf8'),
      ...(settings.caFile ? { ca: await readFile(settings.caFile, 'utf8') } : {}),
      timeoutMs: settings.requestTimeoutMs,
    });
  let shipper: Shipper | undefined;
  const queue = new KetenlogQueue({
    outbox,
    maxEvents: settings.outbox.maxEvents,
    whenFull: settings.outbox.whenFull,
    log,
    onStored: (n) => shipper?.noteStored(n),
    onDrop: (count) => deps.alarms?.record({ type: 'ketenlog_records_dropped', outcome: 'alarm', reason: 'outbox_full', count }),
  });
  await queue.start();
  shipper = new Shipper({
    outbox,
    queue,
    client,
    batch: settings.batch,
    retry: settings.retry,
    // The lease outlives a send (requestTimeoutMs) and the longest back-off, so while this replica
    // retries a batch no other one starts sending the same entries.
    lease: { store: deps.store, key: 'ketenlog:ship-lease', owner: randomUUID(), ttlMs: settings.requestTimeoutMs * 2 + settings.retry.maxDelayMs + 5000 },
    log,
  });
  if (options.ship !== false) shipper.start();
  const location = settings.location ?? new URL(deps.nodePublicUrl).hostname;
  const ctx = { location, now: () => new Date() };

  const oldestAgeSeconds = async () => {
    const [oldest] = await outbox.peek(1);
    return oldest ? (Date.now() - oldest.queuedAtMs) / 1000 : undefined;
  };
  let lastOldestAge: number | undefined;
  if (deps.registry) {
    const s = shipper;
    registerKetenlogMetrics(deps.registry, {
      queued: () => queue.size,
      oldestAgeSeconds: () => lastOldestAge,
      sent: () => s.stats.sent,
      failedAttempts: () => s.stats.failedAttempts,
      dropped: () => queue.dropped,
      rejected: () => s.stats.rejected,
      full: () => queue.full,
    });
  }
  const refreshAge = setInterval(() => {
    oldestAgeSeconds().then((a) => (lastOldestAge = a), () => undefined);
  }, 5000);
  refreshAge.unref();

  const status = async (): Promise<KetenlogStatus> => {
    const queued = await outbox.size();
    queue.noteSize(queued);
    lastOldestAge = await oldestAgeSeconds();
    return {
      queued,
      oldestAgeSeconds: lastOldestAge,
      full: queue.full,
      whenFull: settings.outbox.whenFull,
      sent: shipper.stats.sent,
      failedAttempts: shipper.stats.failedAttempts,
      dropped: queue.dropped,
      rejected: shipper.stats.rejected,
      ...(shipper.stats.lastError === undefined ? {} : { lastError: shipper.stats.lastError }),
    };
  };

  return {
    wrap: (local) => withKetenlog(local, queue, ctx),
    acceptingNewFlows: () => settings.outbox.whenFull !== 'refuse-new-flows' || !queue.full,
    readiness: {
      name: 'ketenlog',
      async check() {
        if (!queue.full) return { ok: true };
        // keep-serving: still ready (patients are served), but /ready says records are being dropped.
        return settings.outbox.whenFull === 'keep-serving'
          ? { ok: true, detail: 'outbox full: dropping the oldest MedMij log records' }
          : { ok: false, detail: 'outbox full: new flows refused until MedMij log records are delivered' };
      },
    },
    status,
    drainNow: () => shipper.drainNow(),
    flush: () => queue.flush(),
    async close() {
      clearInterval(refreshAge);
      await queue.close();
      await shipper.stop();
      if (!deps.client) client.close();
    },
  };
}
