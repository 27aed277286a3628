/** Logs, the audit trail, metrics, health and the per-request context. */
export { createLogger, createSilentLogger, type Logger, type LoggerOptions } from './logger.js';
export { auditDestinationFor, createPinoAuditLog, MemoryAuditLog, type AuditEvent, type AuditLog } from './audit.js';
export { countAuditEvents, createMetrics, type GatewayMetrics } from './metrics.js';
export { createOperationsRouter, type ReadinessCheck } from './health.js';
export { bindNew } from './bind-new.js';
export { contextOf, labelRoute, parseTraceId, requestContext, type ListenerName, type RequestContext } from './request-context.js';
