import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditEvent, AuditLog } from './audit.js';

/**
 * Prometheus metrics. One registry per gateway instance (not prom-client's global one), so two
 * gateways in one test process do not collide. Labels never carry patient data or client input
 * beyond bounded values (listener, route, status, event type, outcome, list kind).
 */
export interface GatewayMetrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'listener' | 'route' | 'status'>;
  readonly auditEvents: Counter<'type' | 'outcome' | 'reason'>;
  readonly adapterDuration: Histogram<'adapter' | 'outcome'>;
  /** Age of each list in force, in seconds; set from the list manager at scrape time. */
  readonly listAge: Gauge<'list'>;
}

export function createMetrics(listAges: () => ReadonlyArray<{ kind: string; ageSeconds: number | undefined }>): GatewayMetrics {
  const registry = new Registry();
  // No prefix: the standard process_* and nodejs_* names that every Node dashboard and alert expects
  // (the old 'medmij_gateway_process_' prefix doubled into medmij_gateway_process_process_cpu_…).
  collectDefaultMetrics({ register: registry });
  const pending = new Map<string, PendingCount>();
  const auditEvents = new Counter({
    name: 'medmij_gateway_audit_events_total',
    help: 'Audit events by MedMij event type, outcome and reason (refused TLS connections, token grants, ...)',
    labelNames: ['type', 'outcome', 'reason'],
    registers: [registry],
    collect() {
      for (const entry of pending.values()) {
        if (entry.count === 0) continue;
        this.inc(entry.labels, entry.count);
        entry.count = 0;
      }
    },
  });
  PENDING_AUDIT_COUNTS.set(auditEvents, pending);
  return {
    registry,
    httpDuration: new Histogram({
      name: 'medmij_gateway_http_request_duration_seconds',
      help: 'HTTP request duration by listener, route and status',
      labelNames: ['listener', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    auditEvents,
    adapterDuration: new Histogram({
      name: 'medmij_gateway_adapter_duration_seconds',
      help: 'EHR adapter call duration by adapter id and outcome',
      labelNames: ['adapter', 'outcome'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    listAge: new Gauge({
      name: 'medmij_gateway_list_age_seconds',
      help: 'Age of the MedMij list in force (seconds since its last good fetch); absent when none is in force',
      labelNames: ['list'],
      registers: [registry],
      collect() {
        this.reset();
        for (const { kind, ageSeconds } of listAges()) {
          if (ageSeconds !== undefined) this.set({ list: kind }, ageSeconds);
        }
      },
    }),
  };
}

/** Audit events counted since the registry was last read, per label set. */
interface PendingCount {
  readonly labels: { type: string; outcome: string; reason: string };
  count: number;
}

/**
 * The pending counts of each counter createMetrics made: counted per event with one addition,
 * added to the counter when it is read (its collect hook, run by every scrape before the
 * values are taken), so a scrape sees every event. prom-client hashes and validates the label
 * set on every inc(), two per FHIR request, even on a cached child.
 */
const PENDING_AUDIT_COUNTS = new WeakMap<Counter<'type' | 'outcome' | 'reason'>, Map<string, PendingCount>>();

/** Counts every audit event as it is recorded, so refusals and grants show up on a dashboard. */
export function countAuditEvents(audit: AuditLog, metrics: GatewayMetrics): AuditLog {
  // Bounded: the event types are a closed vocabulary, the outcomes four, the reasons stable
  // codes; past the cap a label set is counted on the counter itself, at once. A counter made
  // elsewhere (no collect hook of ours) is always counted at once.
  const pending = PENDING_AUDIT_COUNTS.get(metrics.auditEvents);
  return {
    record(event: AuditEvent): void {
      const reason = event.reason ?? '';
      const key = `${event.type}\u0000${event.outcome}\u0000${reason}`;
      let entry = pending?.get(key);
      if (!entry && pending && pending.size < MAX_PENDING_AUDIT_LABELS) {
        entry = { labels: { type: event.type, outcome: event.outcome, reason }, count: 0 };
        pending.set(key, entry);
      }
      if (entry) entry.count += 1;
      else metrics.auditEvents.inc({ type: event.type, outcome: event.outcome, reason });
      audit.record(event);
    },
  };
}

const MAX_PENDING_AUDIT_LABELS = 1024;
