import { parseTraceId } from '../observability/index.js';
import { FhirError } from './outcome.js';

/**
 * MedMij-Request-ID (a new UUID per resource request) and X-Correlation-ID (the session's id) come
 * with every resource request (digest §3, core.rscint.201). They go into logs and the audit trail,
 * so a value of any other shape is refused rather than logged: UUIDs and other short opaque
 * tokens pass, anything long or with other characters is a 400.
 */
export interface TraceHeaders {
  readonly traceId?: string;
  readonly sessionId?: string;
}

function parseOne(value: string | undefined, header: string): string | undefined {
  if (value === undefined) return undefined;
  // The one rule for these headers (observability/trace-id.ts); here a bad one is a 400.
  if (parseTraceId(value) === undefined) {
    throw new FhirError(400, 'invalid', `the ${header} header must be a UUID`, { reason: 'bad_trace_header' });
  }
  return value;
}

/** The two headers as received (core/types.ts CoreHeaders) → their checked values. */
export function parseTraceHeaders(raw: { readonly traceId: string | undefined; readonly sessionId: string | undefined }): TraceHeaders {
  const traceId = parseOne(raw.traceId, 'MedMij-Request-ID');
  const sessionId = parseOne(raw.sessionId, 'X-Correlation-ID');
  return { ...(traceId === undefined ? {} : { traceId }), ...(sessionId === undefined ? {} : { sessionId }) };
}
