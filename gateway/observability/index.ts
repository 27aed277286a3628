/** Logs, the audit trail, metrics, health and the per-request context. */
export { createLogger, createSilentLogger, deferredLogger, isoNow, type Logger, type LoggerOptions } from './logger.js';
export {
  auditDestinationFor,
  createPinoAuditLog,
  GATEWAY_EVENT_TYPES,
  isMedMijEventType,
  MEDMIJ_DVA_EVENT_TYPES,
  MemoryAuditLog,
  type AuditEvent,
  type AuditEventType,
  type AuditLog,
  type GatewayEventType,
  type MedMijEventType,
} from './audit.js';
export { countAuditEvents, createMetrics, type GatewayMetrics } from './metrics.js';
export { createOperationsRouter, type ReadinessCheck } from './health.js';
export { parseTraceId, TRACE_ID_PATTERN } from './trace-id.js';
export { closedStatus, contextOf, labelRoute, requestContext, requestTracker, type EndHook, type ListenerName, type RequestContext } from './request-context.js';
