import { pino, type DestinationStream } from 'pino';
import { directLineWriter, isoTimeField, logDestination } from './logger.js';

/**
 * The audit trail: who asked what for whom, and what came of it. A separate stream from the
 * application log, because operators keep and ship it differently (NEN 7513).
 * Never contents: no BSN, no names, no tokens, no resource bodies. A patient appears only as the
 * EHR's patient reference.
 */
/**
 * The DVA events of MedMij's Logging interface (afsprakenstelsel 2.2.4B, "Aanvullende
 * ketenmonitoring"), the same for Verzamelen, Delen and Abonneren. Each is also shipped to
 * MedMij's central log (gateway/ketenlog). The first eleven are named in the normative text; the
 * rest could not be read there and follow the naming of the government PGO's public code
 * (minvws/nl-mgo-dvp-proxy, medmij_logging/enums.py: send_token_request, send_resource_request,
 * receive_resource_response, receive_resource_request_error, receive_resource_error_response) as
 * their DVA-side mirrors. README "MedMij ketenmonitoring" says which is which.
 */
export const MEDMIJ_DVA_EVENT_TYPES = [
  'receive_authorization_request',
  'show_landing_page',
  'authorization_request_error',
  'show_authorization_request_error_page',
  'send_authorization_request_error',
  'send_authentication_request',
  'send_authorization_cancellation',
  'receive_authentication_response',
  'receive_authorization_cancellation',
  'receive_authentication_error',
  'send_artifact_resolution_request',
  // Mirrors of the PGO names (not readable in the normative text):
  'receive_artifact_resolution_response',
  'show_consent_page',
  /** Delen: the Bevestigingsverklaring page, the Delen counterpart of the consent page. */
  'show_confirmation_page',
  'send_authorization_response',
  'receive_token_request',
  'send_token_response',
  'send_token_request_error',
  'receive_resource_request',
  'send_resource_response',
  /** The request was refused (4xx): mirror of the PGO's receive_resource_request_error. */
  'send_resource_request_error',
  /** We failed to answer (5xx, client gone): mirror of the PGO's receive_resource_error_response. */
  'send_resource_error_response',
] as const;

/** Events of the gateway itself: kept in the local audit trail only, never shipped to MedMij. */
export const GATEWAY_EVENT_TYPES = ['tls_connection_refused', 'medmij_list_refused', 'compartment_violation', 'availability_check', 'share_acceptance_check', 'ketenlog_records_dropped', 'interaction_form_refused', 'delen_write'] as const;

export type MedMijEventType = (typeof MEDMIJ_DVA_EVENT_TYPES)[number];
export type GatewayEventType = (typeof GATEWAY_EVENT_TYPES)[number];
/** The one closed vocabulary of the audit trail: the compiler rejects any other event name. */
export type AuditEventType = MedMijEventType | GatewayEventType;

const MEDMIJ_TYPES: ReadonlySet<string> = new Set(MEDMIJ_DVA_EVENT_TYPES);

export function isMedMijEventType(type: AuditEventType): type is MedMijEventType {
  return MEDMIJ_TYPES.has(type);
}

export interface AuditEvent {
  readonly type: AuditEventType;
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
  /** Our own id of the HTTP request (RequestContext.requestId): pairs a request with its answer. */
  readonly requestId?: string;
  /** HTTP method and URI (scheme, host, path; never the query string) of the request received. */
  readonly method?: string;
  readonly uri?: string;
  /** The OAuth error code answered (RFC 6749 §4.1.2.1, §5.2), when `reason` is a finer code of ours. */
  readonly oauthError?: string;
  /** Token requests: `authorization_code` or `refresh_token`. */
  readonly grantType?: string;
  /** When the event happened (ISO 8601), when that was before it was recorded (a request logged with its answer). */
  readonly occurredAt?: string;
}

export interface AuditLog {
  record(event: AuditEvent): void;
}

export function createPinoAuditLog(destination?: DestinationStream): AuditLog {
  const sink = pino(
    {
      name: 'medmij-gateway-audit',
      base: { stream: 'audit' },
      timestamp: isoTimeField,
      formatters: { level: () => ({ level: 'audit' }) },
    },
    destination ?? logDestination('stderr'),
  );
  // Every record at info, which this sink always writes: straight to the destination, the same
  // bytes as sink.info(event) (two records per FHIR request).
  const write = directLineWriter(sink, 'info');
  return { record: (event) => write(event) };
}

/** Keeps events in memory so that tests can assert on the audit trail. */
export class MemoryAuditLog implements AuditLog {
  readonly events: AuditEvent[] = [];

  record(event: AuditEvent): void {
    this.events.push(event);
  }

  ofType(type: AuditEventType): AuditEvent[] {
    return this.events.filter((e) => e.type === type);
  }
}

/** The audit stream's destination from `logging.audit`: `stdout`, `stderr`, or a file path (created if needed). */
export function auditDestinationFor(setting: string): DestinationStream {
  return logDestination(setting);
}
