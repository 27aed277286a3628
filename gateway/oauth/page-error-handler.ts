import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../observability/index.js';
import { isStorageUnavailable, STORAGE_RETRY_AFTER_SECONDS } from '../storage/index.js';
import { clientErrorStatus, describeError } from './client-error-status.js';
import { pickLang, renderFailurePage, renderMessagePage, type CreateView } from './pages/index.js';

/**
 * The patient interface's last error handler: what fails in our own Express layers around
 * oidc-provider (body parser, path decoding, a store that went away) gets the gateway's error
 * page, "Technische storing" for our own failures, instead of Express's default page with its
 * stack trace (house rule 4). oidc-provider renders its own errors (provider.ts renderError).
 */
export function createPageErrorHandler(log: Logger, view: CreateView): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const lang = pickLang(typeof req.query?.lang === 'string' ? req.query.lang : undefined, req.get('accept-language'));
    // Query-only relative link: the same path in the other language, echoing nothing of the request.
    const page = view({ lang, switchHref: `?lang=${lang === 'nl' ? 'en' : 'nl'}` });
    if (isStorageUnavailable(err)) {
      // Our store, not the EHR and not the Person: 503, try again (issue 9, finding 8).
      log.error({ step: 'storage', reason: 'storage_unavailable' }, 'patient page failed: storage unavailable');
      res.status(503).set('Retry-After', String(STORAGE_RETRY_AFTER_SECONDS)).type('html').send(renderFailurePage(page, {}));
      return;
    }
    const status = clientErrorStatus(err) ?? 500;
    if (status >= 500) log.error(describeError(err), 'patient page failed');
    else log.info({ status, reason: err instanceof Error ? ((err as { type?: unknown }).type ?? err.name) : typeof err }, 'patient page request refused');
    res.status(status).type('html').send(status >= 500 ? renderFailurePage(page, {}) : renderMessagePage(page, 'requestError'));
  };
}
