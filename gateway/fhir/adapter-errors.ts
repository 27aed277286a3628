import { ADAPTER_ERROR_CODES, catalogEntryOf, errorSpec } from '../errors.js';
import { FhirError } from './outcome.js';

/**
 * Adapter failures → HTTP (STYLE.md §6.2) through the error catalog (gateway/errors.ts), matched
 * by the error's `code`, never by its class name: an unreachable EHR is 503, a slow one 504, data
 * the gateway cannot read or that breaks the contract 502 (bad gateway). Adapters throw the
 * AdapterError family (adapters/errors.ts), each with its code; errors without a known code stay
 * unmapped and become a 500 in core/answer-error.ts.
 */
export function mapAdapterError(err: unknown): FhirError | undefined {
  if (err instanceof FhirError || !(err instanceof Error)) return undefined;
  const own = (err as { code?: unknown }).code;
  const code = typeof own === 'string' ? ADAPTER_ERROR_CODES[own] : undefined;
  if (code === undefined) return undefined;
  const spec = errorSpec(code);
  return new FhirError(spec.status, spec.issue, spec.publicMessage, { reason: spec.auditReason, cause: err });
}

/** Any error carrying a catalog code (GatewayError, SearchParamError) as a FhirError; undefined otherwise. */
export function mapCatalogError(err: unknown): FhirError | undefined {
  if (err instanceof FhirError) return undefined;
  const entry = catalogEntryOf(err);
  if (!entry) return undefined;
  // Below 500 the message names what is wrong (never a value: house rule 6); above, the public text only.
  const message = entry.status < 500 && err instanceof Error ? err.message : entry.publicMessage;
  return new FhirError(entry.status, entry.issue, message, { reason: entry.auditReason, cause: err });
}
