import type { Logger } from 'pino';
import type { Adapter } from '../types.js';
import { createSqlAdapter } from './sql-adapter.js';
import { sqlConfigSchema, type SqlConfig } from './sql-config.js';

export { createSqlAdapter } from './sql-adapter.js';
export { sqlConfigSchema, type SqlConfig, type SqlResourceConfig } from './sql-config.js';
export { compileNamedQuery, type CompiledQuery } from './compile-named-query.js';
export { createPgDriver, type PgConnectionOptions } from './pg-driver.js';
export { SqlTooManyRows, type SqlDriver, type SqlRow, type SqlQueryOptions } from './sql-driver.js';

/** `kind: sql` for the adapter registry. */
export const sqlAdapterFactory = {
  kind: 'sql' as const,
  configSchema: sqlConfigSchema,
  create(config: SqlConfig, deps: { readonly log: Logger; readonly baseDir: string }): Adapter {
    return createSqlAdapter(config, deps);
  },
};
