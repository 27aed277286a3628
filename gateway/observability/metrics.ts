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
  return {
    registry,
    httpDuration: new Histogram({
      name: 'medmij_gateway_http_request_duration_seconds',
      help: 'HTTP request duration by listener, route and status',
      labelNames: ['listener', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    auditEvents: new Counter({
      name: 'medmij_gateway_audit_events_total',
      help: 'Audit events by MedMij event type, outcome and reason (refused TLS connections, token grants, ...)',
      labelNames: ['type', 'outcome', 'reason'],
      registers: [registry],
    }),
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

/** Counts every audit event as it is recorded, so refusals and grants show up on a dashboard. */
export function countAuditEvents(audit: AuditLog, metrics: GatewayMetrics): AuditLog {
  // The counter's child per label set, looked up once: prom-client hashes the label object on
  // every inc(), two per FHIR request. Bounded: the event types are a closed vocabulary, the
  // outcomes four, the reasons stable codes; past the cap a label set is simply not kept.
  const children = new Map<string, { inc(): void }>();
  return {
    record(event: AuditEvent): void {
      const reason = event.reason ?? '';
      const key = `${event.type}\u0000${event.outcome}\u0000${reason}`;
      let child = children.get(key);
      if (!child) {
        child = metrics.auditEvents.labels({ type: event.type, outcome: event.outcome, reason });
        if (children.size < MAX_CACHED_AUDIT_LABELS) children.set(key, child);
      }
      child.inc();
      audit.record(event);
    },
  };
}

const MAX_CACHED_AUDIT_LABELS = 1024;
