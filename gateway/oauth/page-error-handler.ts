import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../observability/index.js';
import { isStorageUnavailable, STORAGE_RETRY_AFTER_SECONDS } from '../storage/index.js';
import { clientErrorStatus, describeError } from './client-error-status.js';
import { pickLang, renderErrorPage } from './pages/index.js';

/**
 * The patient interface's last error handler: what fails in our own Express layers around
 * oidc-provider (body parser, path decoding, a store that went away) gets the gateway's error
 * page, "Technische storing" for our own failures, instead of Express's default page with its
 * stack trace (house rule 4). oidc-provider renders its own errors (provider.ts renderError).
 */
export function createPageErrorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (isStorageUnavailable(err)) {
      // Our store, not the EHR and not the Person: 503, try again (issue 9, finding 8).
      log.error({ step: 'storage', reason: 'storage_unavailable' }, 'patient page failed: storage unavailable');
      res.status(503).set('Retry-After', String(STORAGE_RETRY_AFTER_SECONDS)).type('html').send(renderErrorPage({ lang: pickLang(undefined, req.get('accept-language')), kind: 'failure' }));
      return;
    }
    const status = clientErrorStatus(err) ?? 500;
    if (status >= 500) log.error(describeError(err), 'patient page failed');
    else log.info({ status, reason: err instanceof Error ? ((err as { type?: unknown }).type ?? err.name) : typeof err }, 'patient page request refused');
    const lang = pickLang(undefined, req.get('accept-language'));
    res.status(status).type('html').send(renderErrorPage({ lang, kind: status >= 500 ? 'failure' : 'request' }));
  };
}
