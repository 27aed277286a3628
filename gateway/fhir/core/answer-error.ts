import type * as fhir3 from 'fhir/r3';
import type { FhirVersion } from '../../../adapters/types.js';
import type { Logger } from '../../observability/index.js';
import { mapAdapterError, mapCatalogError } from '../adapter-errors.js';
import { preferredFormat } from '../format.js';
import { FhirError } from '../outcome.js';
import { mapStorageError } from '../storage-errors.js';
import type { Answer, RequestRecord } from './types.js';

/**
 * Any error → the FhirError it is answered as: FhirErrors as they are; everything else by its
 * code in the one catalog (gateway/errors.ts), never by class name: the gateway's own store first
 * (never blamed on the EHR), then adapter failures, then the search engine's parameter errors
 * (which name the parameter, never the value); anything unknown is a 500.
 */
export function toFhirError(err: unknown): FhirError {
  if (err instanceof FhirError) return err;
  const mapped = mapStorageError(err) ?? mapAdapterError(err) ?? mapCatalogError(err);
  if (mapped) return mapped;
  if (err instanceof Error) {
    // Errors from body parsers that are safe to show (e.g. a malformed URI).
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500 && (err as { expose?: unknown }).expose === true) {
      return new FhirError(status, 'invalid', 'the request is malformed', { reason: 'bad_request', cause: err });
    }
  }
  return new FhirError(500, 'exception', 'internal error', { reason: 'internal_error', cause: err });
}

function describeCause(cause: unknown): Record<string, unknown> {
  if (!(cause instanceof Error)) return { cause: typeof cause };
  // Name, message and stack of our own errors; never request values or resource bodies.
  return { cause: { name: cause.name, message: cause.message, stack: cause.stack } };
}

export interface ErrorScope {
  readonly accept: string | undefined;
  /** `_format` of the request, when it could be read. */
  readonly formatParam: string | undefined;
  readonly fhirVersion: FhirVersion;
  readonly head: boolean;
  readonly log: Logger;
}

/**
 * The one place a FHIR error becomes an answer (house rule 4): an OperationOutcome in the
 * client's format when it can be read (JSON otherwise), the error's own headers
 * (WWW-Authenticate, Allow), and for 5xx only our generic text and the requestId; the cause goes
 * to the log only.
 */
export function answerError(err: unknown, scope: ErrorScope, record: Omit<RequestRecord, 'reason'>): Answer {
  const error = toFhirError(err);
  const withReason: RequestRecord = { ...record, reason: error.reason };
  const { log } = scope;
  if (error.status === 499) {
    log.info({ reason: error.reason }, 'client went away before the answer');
    return { status: 499, headers: {}, body: { kind: 'empty' }, head: scope.head, record: withReason };
  }
  if (error.status >= 500) log.error({ status: error.status, reason: error.reason, ...describeCause(error.cause ?? err) }, 'FHIR request failed');
  else log.info({ status: error.status, reason: error.reason }, 'FHIR request refused');
  const outcome = (
    error.status >= 500 ? new FhirError(error.status, error.issueCode, `${error.message} (requestId ${record.requestId})`).toOutcome() : error.toOutcome()
  ) as fhir3.OperationOutcome;
  const format = preferredFormat(scope.accept, scope.formatParam, scope.fhirVersion);
  return {
    status: error.status,
    headers: { 'Cache-Control': 'no-store', ...error.headers },
    body: { kind: 'resource', resource: outcome, format, fhirVersion: scope.fhirVersion },
    head: scope.head,
    record: withReason,
  };
}
