import type { Logger } from './logger.js';

/**
 * @module A child logger with only the bindings its parent does not already carry with the same
 * value. pino writes every binding of every level of children, so re-binding `traceId` in a
 * child of the request logger printed the key twice in each line (invalid for strict JSON
 * readers, and ambiguous for log shippers).
 */
export function bindNew(log: Logger, bindings: Record<string, unknown>): Logger {
  const bound = log.bindings();
  const fresh = Object.fromEntries(Object.entries(bindings).filter(([key, value]) => value !== undefined && bound[key] !== value));
  return Object.keys(fresh).length === 0 ? log : log.child(fresh);
}
