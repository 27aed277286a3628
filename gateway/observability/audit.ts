import { pino, type DestinationStream } from 'pino';
import { logDestination } from './logger.js';

/**
 * The audit trail: who asked what for whom, and what came of it. A separate stream from the
 * application log, because operators keep and ship it differently (NEN 7513).
 * Never contents: no BSN, no names, no tokens, no resource bodies. A patient appears only as the
 * EHR's patient reference.
 */
export interface AuditEvent {
  /** MedMij event type where one exists (digest §6), else a gateway event such as `tls_connection_refused`. */
  readonly type: string;
  readonly outcome: 'success' | 'failure' | 'refused' | 'alarm';
  /** X-Correlation-ID of the MedMij session. */
  readonly sessionId?: string;
  /** MedMij-Request-ID of the request. */
  readonly traceId?: string;
  readonly clientId?: string;
  /** Host name(s) of the TLS peer as its certificate names them. */
  readonly peerHost?: string;
  readonly peerAddress?: string;
  readonly providerId?: string;
  readonly serviceId?: string;
  /** The EHR's patient reference, never a BSN. */
  readonly patientRef?: string;
  readonly resourceType?: string;
  readonly count?: number;
  /** A stable reason code for refusals and failures, e.g. `not_whitelisted`. */
  readonly reason?: string;
  readonly detail?: string;
  readonly status?: number;
}

export interface AuditLog {
  record(event: AuditEvent): void;
}

export function createPinoAuditLog(destination?: DestinationStream): AuditLog {
  const sink = pino(
    {
      name: 'medmij-gateway-audit',
      base: { stream: 'audit' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: () => ({ level: 'audit' }) },
    },
    destination ?? logDestination('stderr'),
  );
  return { record: (event) => sink.info(event) };
}

/** Keeps events in memory so that tests can assert on the audit trail. */
export class MemoryAuditLog implements AuditLog {
  readonly events: AuditEvent[] = [];

  record(event: AuditEvent): void {
    this.events.push(event);
  }

  ofType(type: string): AuditEvent[] {
    return this.events.filter((e) => e.type === type);
  }
}

/** The audit stream's destination from `logging.audit`: `stdout`, `stderr`, or a file path (created if needed). */
export function auditDestinationFor(setting: string): DestinationStream {
  return logDestination(setting);
}
