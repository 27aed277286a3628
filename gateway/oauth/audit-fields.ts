import type { AuditEvent } from '../observability/index.js';

/** The correlation fields every OAuth audit record carries (digest §6), without undefined keys. */
export function auditFields(v: {
  readonly sessionId?: string | undefined;
  readonly traceId?: string | undefined;
  readonly clientId?: string | undefined;
  readonly providerId?: string | undefined;
  readonly peerHost?: string | undefined;
}): Partial<AuditEvent> {
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(v)) if (typeof value === 'string' && value !== '') out[k] = value;
  return out as Partial<AuditEvent>;
}
