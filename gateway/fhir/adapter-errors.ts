import { FhirError } from './outcome.js';

/**
 * Adapter failures → HTTP (STYLE.md §6.2): an unreachable EHR is 503, a slow one 504, data the
 * gateway cannot read or that breaks the contract is 502 (bad gateway). Adapters throw the
 * AdapterError family (adapters/errors.ts); matched by name so that this also holds for
 * errors raised inside adapter dependencies with the same names. Unknown errors stay unmapped
 * and become a 500 in error-handler.ts.
 */
export function mapAdapterError(err: unknown): FhirError | undefined {
  if (err instanceof FhirError || !(err instanceof Error)) return undefined;
  const name = `${err.name} ${(err as { code?: unknown }).code ?? ''}`;
  if (/Timeout/i.test(name)) {
    return new FhirError(504, 'timeout', 'the source system did not answer in time', { reason: 'adapter_timeout', cause: err });
  }
  if (/Unavailable/i.test(name)) {
    return new FhirError(503, 'transient', 'the source system is not available', { reason: 'adapter_unavailable', cause: err });
  }
  if (/MappingFailed|Rejected|BadUpstream|UpstreamData|FhirXmlError|Invalid(Upstream|Resource)/i.test(name)) {
    return new FhirError(502, 'exception', 'the source system returned data that cannot be served', { reason: 'adapter_bad_data', cause: err });
  }
  return undefined;
}
