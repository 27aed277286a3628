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

const TRACE_TOKEN = /^[A-Za-z0-9._:-]{1,64}$/;

function parseOne(value: string | undefined, header: string): string | undefined {
  if (value === undefined) return undefined;
  if (!TRACE_TOKEN.test(value)) {
    throw new FhirError(400, 'invalid', `the ${header} header must be a UUID`, { reason: 'bad_trace_header' });
  }
  return value;
}

export function parseTraceHeaders(get: (name: string) => string | undefined): TraceHeaders {
  const traceId = parseOne(get('medmij-request-id'), 'MedMij-Request-ID');
  const sessionId = parseOne(get('x-correlation-id'), 'X-Correlation-ID');
  return { ...(traceId === undefined ? {} : { traceId }), ...(sessionId === undefined ? {} : { sessionId }) };
}
