import { Gauge, type Registry } from 'prom-client';

export interface KetenlogReadings {
  queued(): number;
  oldestAgeSeconds(): number | undefined;
  sent(): number;
  failedAttempts(): number;
  dropped(): number;
  rejected(): number;
  full(): boolean;
}

/**
 * medmij_gateway_ketenlog_*: read from the shipper at scrape time (gauges with collect, so the
 * counts are the shipper's own and never drift). Counter-like values are exposed as `_total`.
 */
export function registerKetenlogMetrics(registry: Registry, r: KetenlogReadings): void {
  const gauge = (name: string, help: string, read: () => number | undefined) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const v = read();
        if (v === undefined) this.reset();
        else this.set(v);
      },
    });
  gauge('medmij_gateway_ketenlog_queued', 'MedMij log records waiting in the outbox', r.queued);
  gauge('medmij_gateway_ketenlog_oldest_age_seconds', 'Age of the oldest record in the outbox; absent when it is empty', r.oldestAgeSeconds);
  gauge('medmij_gateway_ketenlog_sent_total', 'MedMij log records delivered (2xx) since start', r.sent);
  gauge('medmij_gateway_ketenlog_failed_total', 'Batch deliveries that failed (network, timeout, non-2xx) since start', r.failedAttempts);
  gauge('medmij_gateway_ketenlog_dropped_total', 'Records dropped because the outbox was full (keep-serving) since start', r.dropped);
  gauge('medmij_gateway_ketenlog_rejected_total', 'Records the log API refused on their own three times and that were removed since start', r.rejected);
  gauge('medmij_gateway_ketenlog_outbox_full', '1 while the outbox holds its maximum', () => (r.full() ? 1 : 0));
}
