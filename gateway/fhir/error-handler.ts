import type { ErrorRequestHandler, Request } from 'express';
import type { Logger } from '../observability/index.js';
import { mapAdapterError, mapCatalogError } from './adapter-errors.js';
import { mapStorageError } from './storage-errors.js';
import { exchangeOf } from './exchange.js';
import { preferredFormat } from './format.js';
import { FhirError } from './outcome.js';
import { sendResource } from './render.js';

/**
 * The only place FHIR errors are written (house rule 4). Any error becomes an OperationOutcome:
 * FhirErrors as they are, adapter failures mapped (adapter-errors.ts), search-parameter errors of
 * the search engine as 400, everything else 500. For 5xx the client sees our generic text and the
 * requestId; the cause goes to the log only.
 */
export function toFhirError(err: unknown): FhirError {
  if (err instanceof FhirError) return err;
  // By code (gateway/errors.ts), never by class name: the gateway's own store first (never blamed
  // on the EHR), then adapter failures, then the gateway's own
  // (the search engine's SearchParamError names the parameter, never the value).
  const mapped = mapStorageError(err) ?? mapAdapterError(err) ?? mapCatalogError(err);
  if (mapped) return mapped;
  if (err instanceof Error) {
    // Errors from Express/body parsers that are safe to show (e.g. a malformed URI).
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500 && (err as { expose?: unknown }).expose === true) {
      return new FhirError(status, 'invalid', 'the request is malformed', { reason: 'bad_request', cause: err });
    }
  }
  return new FhirError(500, 'exception', 'internal error', { reason: 'internal_error', cause: err });
}

function formatParam(req: Request): string | undefined {
  const v: unknown = (req.query as Record<string, unknown> | undefined)?._format;
  return typeof v === 'string' ? v : undefined;
}

function describeCause(cause: unknown): Record<string, unknown> {
  if (!(cause instanceof Error)) return { cause: typeof cause };
  // Name, message and stack of our own errors; never request values or resource bodies.
  return { cause: { name: cause.name, message: cause.message, stack: cause.stack } };
}

export function createFhirErrorHandler(fallbackLog: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    const exchange = exchangeOf(res);
    const log = exchange?.log ?? fallbackLog;
    const error = toFhirError(err);
    if (exchange) exchange.reason = error.reason;
    if (res.headersSent) {
      log.error({ reason: error.reason, ...describeCause(error.cause ?? err) }, 'error after the FHIR answer started');
      next(err);
      return;
    }
    if (error.status === 499) {
      log.info({ reason: error.reason }, 'client went away before the answer');
      res.status(499).end();
      return;
    }
    const requestId = exchange?.requestId;
    if (error.status >= 500) {
      log.error({ status: error.status, reason: error.reason, ...describeCause(error.cause ?? err) }, 'FHIR request failed');
    } else {
      log.info({ status: error.status, reason: error.reason }, 'FHIR request refused');
    }
    const outcome =
      error.status >= 500
        ? new FhirError(error.status, error.issueCode, `${error.message}${requestId ? ` (requestId ${requestId})` : ''}`).toOutcome()
        : error.toOutcome();
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    const version = exchange?.service?.fhirVersion ?? 'STU3';
    const format = preferredFormat(req.get('accept'), exchange?.request?.format ?? formatParam(req), version);
    try {
      sendResource(res, error.status, outcome, format, version, req.method === 'HEAD');
    } catch (renderErr) {
      log.error(describeCause(renderErr), 'OperationOutcome could not be rendered as XML');
      sendResource(res, error.status, outcome, 'json', version, req.method === 'HEAD');
    }
  };
}
