import { isStorageUnavailable, STORAGE_RETRY_AFTER_SECONDS } from '../storage/index.js';
import { FhirError } from './outcome.js';

/**
 * A failure of the gateway's own store (tokens, grants) while answering a FHIR request: 503 with
 * Retry-After, reason `storage_unavailable` in the log. Checked before the adapter mapping, whose
 * name match (/Unavailable/) would otherwise blame the EHR (issue 9, finding 8).
 */
export function mapStorageError(err: unknown): FhirError | undefined {
  if (!isStorageUnavailable(err)) return undefined;
  return new FhirError(503, 'transient', 'the service is temporarily unavailable', {
    reason: 'storage_unavailable',
    cause: err,
    headers: { 'Retry-After': String(STORAGE_RETRY_AFTER_SECONDS) },
  });
}
