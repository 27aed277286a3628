import { ErrorCodes, GatewayError } from '../errors.js';

/**
 * Whether an error (or its cause chain) is the store's STORAGE_UNAVAILABLE. Callers answer it as
 * their protocol's "try again later" (503; OAuth `temporarily_unavailable`) and log it as a
 * storage failure, never as the EHR's (issue 9, finding 8). Libraries in between (oidc-provider)
 * may wrap it, hence the walk over `cause`.
 */
export function isStorageUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof GatewayError && e.code === ErrorCodes.STORAGE_UNAVAILABLE) return true;
  }
  return false;
}

/** Seconds a client should wait before retrying during a storage outage (RFC 9110 §10.2.3). */
export const STORAGE_RETRY_AFTER_SECONDS = 5;
