import pg from 'pg';
import type { SqlDriver, SqlRow } from './sql-driver.js';
import { SqlTooManyRows } from './sql-driver.js';

/**
 * PostgreSQL through `pg` (the only import of it, house rule 1). Every connection is opened
 * read-only (`default_transaction_read_only`, a startup parameter, so every statement runs in a
 * read-only transaction and nothing a query could smuggle in can write) and carries a
 * `statement_timeout`, so a slow or runaway statement is stopped by the server even if the
 * gateway goes away. Both are session settings, set once per connection rather than per query:
 * a query is then one round trip instead of four (BEGIN, SET LOCAL, SELECT, COMMIT), which
 * `npm run bench` shows as throughput. Aborting the request's signal cancels the statement
 * (pg_cancel_backend). Rows are capped by wrapping the query in `LIMIT maxRows + 1`, so a huge
 * table is never read into memory. Writes (Delen) are the one exception to read-only, and only
 * inside `transaction`: an explicit `BEGIN READ WRITE` overrides the connection's default for
 * that transaction alone, so a read query can still never write.
 */
export interface PgConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password?: string;
  readonly ssl?: { readonly ca?: string; readonly rejectUnauthorized: boolean };
  readonly pool: { readonly max: number; readonly idleTimeoutMs: number; readonly connectionTimeoutMs: number };
  /** `SET search_path` for every connection, e.g. the EHR's schema. Validated as an identifier list. */
  readonly searchPath?: string;
}

// Dates and timestamps stay text: the mapping writes FHIR dates from them without a detour
// through the gateway's time zone.
const TEXT_TYPES = new Set([1082, 1114, 1184]);
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    TEXT_TYPES.has(oid) ? (v: string) => v : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export function createPgDriver(options: PgConnectionOptions): SqlDriver {
  const pool = new pg.Pool({
    host: options.host,
    port: options.port,
    database: options.database,
    user: options.user,
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.ssl ? { ssl: { ...options.ssl } } : {}),
    max: options.pool.max,
    idleTimeoutMillis: options.pool.idleTimeoutMs,
    connectionTimeoutMillis: options.pool.connectionTimeoutMs,
    application_name: 'medmij-gateway',
    options: '-c default_transaction_read_only=on',
    types,
  });
  /** The statement_timeout each pooled connection carries now (set on first use, changed only when asked for another). */
  const timeouts = new WeakMap<pg.PoolClient, number>();
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  if (options.searchPath !== undefined) {
    const sp = options.searchPath;
    if (!/^[a-z_][a-z0-9_]*(,\s*[a-z_][a-z0-9_]*)*$/.test(sp)) throw new Error('searchPath must be a list of plain identifiers');
    pool.on('connect', (client) => void client.query(`SET search_path TO ${sp}`).catch(() => undefined));
  }

  return {
    async query(text, values, { signal, timeoutMs, maxRows }) {
      if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || !Number.isInteger(maxRows) || maxRows <= 0) throw new Error('bad limits');
      signal.throwIfAborted();
      const { client, release } = await checkout(pool, signal);
      let broken = false;
      try {
        if (timeouts.get(client) !== timeoutMs) {
          // SET takes no bind parameters; timeoutMs is a checked integer from config.
          await client.query(`SET statement_timeout = ${timeoutMs}`);
          timeouts.set(client, timeoutMs);
        }
        const result = await client.query<SqlRow>(`SELECT * FROM (${text}) AS gw_query LIMIT ${maxRows + 1}`, [...values]);
        if (result.rows.length > maxRows) throw new SqlTooManyRows(maxRows);
        return result.rows;
      } catch (err) {
        // A connection that failed mid-query is not trusted again: the pool opens a fresh one.
        broken = !(err instanceof SqlTooManyRows);
        throw err;
      } finally {
        release(broken);
      }
    },
    async transaction(statements, { signal, timeoutMs }) {
      if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new Error('bad limits');
      signal.throwIfAborted();
      const { client, release } = await checkout(pool, signal);
      let broken = false;
      try {
        await client.query('BEGIN READ WRITE');
        try {
          await client.query(`SET LOCAL statement_timeout = ${timeoutMs}`);
          for (const st of statements) {
            signal.throwIfAborted();
            await client.query(st.text, [...st.values]);
          }
          signal.throwIfAborted();
          await client.query('COMMIT');
        } catch (err) {
          // Nothing half-written: every statement of this transaction is undone.
          await client.query('ROLLBACK').catch(() => {
            broken = true;
          });
          throw err;
        }
      } catch (err) {
        broken = true;
        throw err;
      } finally {
        release(broken);
      }
    },
    async ping(signal) {
      signal.throwIfAborted();
      await pool.query('SELECT 1');
    },
    close: () => pool.end(),
  };
}

/**
 * A pooled connection for one call, under the request's signal: an abort asks the server to stop
 * the running statement (it then fails with 57014, query_canceled). `release(true)` drops a
 * connection that failed mid-call, so the pool opens a fresh one.
 */
async function checkout(pool: pg.Pool, signal: AbortSignal): Promise<{ readonly client: pg.PoolClient; release(broken: boolean): void }> {
  const client = await pool.connect();
  const pid = (client as unknown as { processID?: number }).processID;
  const onAbort = (): void => {
    if (pid !== undefined) void pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  return {
    client,
    release(broken) {
      signal.removeEventListener('abort', onAbort);
      client.release(broken);
    },
  };
}
