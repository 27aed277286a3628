import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../observability/index.js';
import { isStorageUnavailable, STORAGE_RETRY_AFTER_SECONDS } from '../storage/index.js';
import { clientErrorStatus, describeError } from './client-error-status.js';

/**
 * The token route's last error handler on the node interface: an RFC 6749 §5.2 error object,
 * never a page or a stack trace, for whatever fails around oidc-provider (which answers its own
 * errors as JSON).
 */
export function createTokenErrorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (isStorageUnavailable(err)) {
      log.error({ step: 'storage', reason: 'storage_unavailable' }, 'token endpoint failed: storage unavailable');
      res.status(503).set({ 'Cache-Control': 'no-store', 'Retry-After': String(STORAGE_RETRY_AFTER_SECONDS) }).json({ error: 'temporarily_unavailable', error_description: 'the authorization server is temporarily unavailable; try again later' });
      return;
    }
    const status = clientErrorStatus(err);
    if (status === undefined) log.error(describeError(err), 'token endpoint failed');
    res
      .status(status ?? 500)
      .set('Cache-Control', 'no-store')
      .json(status === undefined ? { error: 'server_error' } : { error: 'invalid_request', error_description: 'the request is malformed' });
  };
}
