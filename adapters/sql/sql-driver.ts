/**
 * The seam between the sql adapter and a database client, so that another database can follow
 * PostgreSQL (pg-driver.ts) without touching queries, mapping or the adapter.
 */
export type SqlRow = Readonly<Record<string, unknown>>;

export interface SqlQueryOptions {
  /** The request deadline: aborting cancels the running statement. */
  readonly signal: AbortSignal;
  /** Upper bound for the statement, enforced by the database itself. */
  readonly timeoutMs: number;
  /** More rows than this is an error (SqlTooManyRows), never a silently cut answer. */
  readonly maxRows: number;
}

export class SqlTooManyRows extends Error {
  constructor(readonly maxRows: number) {
    super(`query returned more than ${maxRows} rows`);
    this.name = 'SqlTooManyRows';
  }
}

/** One statement of a write: positional `$n` parameters and their values. */
export interface SqlStatement {
  readonly text: string;
  readonly values: readonly unknown[];
}

export interface SqlDriver {
  /** `text` uses positional `$n` parameters; runs read-only. */
  query(text: string, values: readonly unknown[], options: SqlQueryOptions): Promise<readonly SqlRow[]>;
  /**
   * Delen: the statements in ONE read-write transaction, committed only when every one ran;
   * any failure (or the signal) rolls all of them back. Resolves once COMMIT succeeded: only
   * then is the data with the EHR.
   */
  transaction(statements: readonly SqlStatement[], options: Omit<SqlQueryOptions, 'maxRows'>): Promise<void>;
  ping(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}
