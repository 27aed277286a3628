import { readFileSync } from 'node:fs';
import { assertFhirVersion } from '../assert-fhir-version.js';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Adapter, AdapterContext, PatientContext, Resource, SearchQuery, SearchResult, WriteOutcome, WriteRequest } from '../types.js';
import { AdapterError, MappingFailed, UpstreamRejected, UpstreamTimeout, UpstreamUnavailable } from '../errors.js';
import { compileMapping, mapPatientRecords, parseResourcePath, recordFromRow, valueAt, type CompiledMapping, type ResourcePath } from '../mapping/index.js';
import { compileNamedQuery, type CompiledQuery } from './compile-named-query.js';
import { createPgDriver, type PgConnectionOptions } from './pg-driver.js';
import type { SqlConfig } from './sql-config.js';
import { SqlTooManyRows, type SqlDriver, type SqlRow, type SqlStatement } from './sql-driver.js';
import { pushdownValue, type PushdownSpec, type PushdownValue } from '../pushdown.js';

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const BSN = /^\d{9}$/;

interface Prepared {
  readonly search?: { readonly query: CompiledQuery; readonly params: Readonly<Record<string, PushdownSpec>> };
  readonly read?: CompiledQuery;
  readonly write?: { readonly statements: readonly CompiledQuery[]; readonly binds: ReadonlyMap<string, { readonly path: ResourcePath; readonly as: 'value' | 'text' | 'bytes' }> };
  readonly mapping: CompiledMapping;
  readonly patientColumn?: string;
  readonly keyColumn: string;
}

export function createSqlAdapter(
  config: SqlConfig,
  deps: { readonly log: Logger; readonly baseDir: string; readonly driver?: SqlDriver },
): Adapter {
  const driver = deps.driver ?? createPgDriver(pgOptions(config, deps.baseDir));
  const log = deps.log.child({ adapter: config.id });
  const mappings = new Map(Object.entries(config.mappings).map(([name, spec]) => [name, compileMapping(name, spec)]));
  const prepared = new Map<string, Prepared>();
  for (const [type, r] of Object.entries(config.resources)) {
    const mapping = mappings.get(r.mapping);
    if (!mapping) throw new MappingFailed(`adapter "${config.id}": no mapping "${r.mapping}"`);
    prepared.set(type, {
      mapping,
      keyColumn: r.keyColumn,
      ...(r.patientColumn !== undefined ? { patientColumn: r.patientColumn } : {}),
      ...(r.search ? { search: { query: compileNamedQuery(r.search.sql, ['patient', ...Object.keys(r.search.params)]), params: r.search.params } } : {}),
      ...(r.read ? { read: compileNamedQuery(r.read.sql, ['id', 'patient']) } : {}),
      ...(r.write
        ? {
            write: {
              statements: r.write.statements.map((st) => compileNamedQuery(st.sql, ['id', 'patient', ...Object.keys(r.write!.binds)], 'insert')),
              binds: new Map(Object.entries(r.write.binds).map(([name, b]) => [name, { path: parseResourcePath(b.path), as: b.as }])),
            },
          }
        : {}),
    });
  }
  const lookup = config.patientLookup ? { query: compileNamedQuery(config.patientLookup.sql, ['bsn']), idColumn: config.patientLookup.idColumn } : undefined;

  const run = async (q: CompiledQuery, binds: Readonly<Record<string, PushdownValue>>, signal: AbortSignal, what: string): Promise<readonly SqlRow[]> => {
    // Every value is a bind parameter ($n): the patient reference and the PGO's values never
    // become SQL text (OWASP SQL Injection Prevention, option 1).
    const values = q.names.map((n) => binds[n] ?? null);
    try {
      return await driver.query(q.text, values, { signal, timeoutMs: config.statementTimeoutMs, maxRows: config.maxRows });
    } catch (err) {
      throw toAdapterError(err, signal, what);
    }
  };

  const toResources = (rows: readonly SqlRow[], type: string, p: Prepared, patientRef: string, ctx: AdapterContext, allowUnlinked: boolean): Resource[] => {
    const column = p.patientColumn;
    const { resources, foreign } = mapPatientRecords({
      records: rows,
      ownerOf: column === undefined ? undefined : (row) => (row[column] === undefined || row[column] === null ? undefined : String(row[column])),
      map: (row) => {
        const key = row[p.keyColumn];
        return p.mapping.map(recordFromRow(typeof key === 'string' || typeof key === 'number' ? String(key) : '(no key)', row));
      },
      resourceType: type,
      patientRef,
      allowUnlinked,
    });
    // Counts only, never contents (house rule 6): the gateway raises the alarm.
    if (foreign > 0) ctx.reportForeign?.(type, foreign);
    return resources;
  };

  return {
    id: config.id,
    capabilities: () => ({
      resourceTypes: [...prepared.keys()],
      nativeSearchParams: [...new Set([...prepared.values()].flatMap((p) => Object.values(p.search?.params ?? {}).map((s) => s.param)))],
    }),

    async search(query: SearchQuery, ctx: AdapterContext): Promise<SearchResult> {
      assertFhirVersion(config, ctx);
      const p = prepared.get(query.resourceType);
      if (!p?.search) return { resources: [] };
      const patientRef = ctx.patient.patientRef;
      if (!FHIR_ID.test(patientRef)) throw new MappingFailed('patient reference is not a FHIR id');
      const binds: Record<string, PushdownValue> = { patient: patientRef };
      // Parsed values, never the text as sent: an OR list binds all its codes, a prefixed date
      // a window bound (adapters/pushdown.ts); the gateway re-applies the exact criterion.
      for (const [bind, spec] of Object.entries(p.search.params)) binds[bind] = pushdownValue(spec, query.criteria);
      const rows = await run(p.search.query, binds, ctx.signal, `search ${query.resourceType}`);
      return { resources: toResources(rows, query.resourceType, p, patientRef, ctx, false) };
    },

    async read(resourceType, id, ctx) {
      assertFhirVersion(config, ctx);
      const p = prepared.get(resourceType);
      if (!p?.read || !FHIR_ID.test(id)) return undefined;
      const rows = await run(p.read, { id, patient: ctx.patient.patientRef }, ctx.signal, `read ${resourceType}`);
      if (rows.length > 1) throw new UpstreamRejected(`read ${resourceType}: ${rows.length} rows for one id`);
      const [resource] = toResources(rows, resourceType, p, ctx.patient.patientRef, ctx, true);
      if (resource !== undefined && resource.id !== id) throw new UpstreamRejected(`read ${resourceType}: the row maps to another id`);
      return resource;
    },

    /**
     * Delen: every statement of every shared resource in ONE transaction (sql-driver.ts), so a
     * request is stored whole or not at all; resolves only after COMMIT, which is the EHR's
     * confirmation. The resource is answered as the gateway gave it (its assigned id): the
     * database holds it in its own columns, served back through `search` and the mapping.
     */
    async write(requests: readonly WriteRequest[], ctx: AdapterContext): Promise<readonly WriteOutcome[]> {
      assertFhirVersion(config, ctx);
      const patientRef = ctx.patient.patientRef;
      if (!FHIR_ID.test(patientRef)) throw new MappingFailed('patient reference is not a FHIR id');
      const statements: SqlStatement[] = [];
      for (const { resource } of requests) {
        const w = prepared.get(resource.resourceType)?.write;
        // The catalogue said the service accepts the type; a config that cannot store it is a fault, not a refusal.
        if (!w) throw new UpstreamRejected(`write: no write statements for ${resource.resourceType}`);
        if (typeof resource.id !== 'string' || !FHIR_ID.test(resource.id)) throw new MappingFailed('write: the resource has no assigned id');
        const binds: Record<string, unknown> = { id: resource.id, patient: patientRef };
        for (const [name, b] of w.binds) binds[name] = bindValue(valueAt(resource, b.path), b.as);
        for (const q of w.statements) statements.push({ text: q.text, values: q.names.map((n) => binds[n] ?? null) });
      }
      try {
        await driver.transaction(statements, { signal: ctx.signal, timeoutMs: config.statementTimeoutMs });
      } catch (err) {
        throw toAdapterError(err, ctx.signal, 'write');
      }
      ctx.log.info({ adapter: config.id, resources: requests.length, statements: statements.length }, 'shared data stored');
      return requests.map(({ resource }) => ({ stored: true as const, resource }));
    },

    async findPatientByBsn(bsn: string, signal: AbortSignal): Promise<PatientContext | undefined> {
      if (!lookup || !BSN.test(bsn)) return undefined;
      const rows = await run(lookup.query, { bsn }, signal, 'patient lookup');
      const ids = rows.map((r) => r[lookup.idColumn]).filter((v): v is string => typeof v === 'string' && FHIR_ID.test(v));
      if (ids.length > 1) log.warn('patient lookup: more than one row for one BSN; refused');
      return ids.length === 1 && ids[0] !== undefined ? { patientRef: ids[0] } : undefined;
    },

    async health(signal) {
      try {
        await driver.ping(signal);
        return { ok: true };
      } catch (err) {
        return { ok: false, detail: toAdapterError(err, signal, 'health').message };
      }
    },

    close: () => driver.close(),
  };
}

/** A JSON value → a bind value: primitives as they are, anything structured as JSON text, base64 → bytes. */
function bindValue(v: unknown, as: 'value' | 'text' | 'bytes'): unknown {
  if (v === undefined || v === null) return null;
  if (as === 'bytes') {
    if (typeof v !== 'string') throw new MappingFailed('write: a bytes bind takes a base64 string');
    return Buffer.from(v, 'base64');
  }
  if (as === 'text') return typeof v === 'string' ? v : JSON.stringify(v);
  return typeof v === 'object' ? JSON.stringify(v) : v;
}

function pgOptions(config: SqlConfig, baseDir: string): PgConnectionOptions {
  const c = config.connection;
  const ssl = c.ssl
    ? { rejectUnauthorized: c.ssl.rejectUnauthorized, ...(c.ssl.caFile ? { ca: readFileSync(path.resolve(baseDir, c.ssl.caFile), 'utf8') } : {}) }
    : undefined;
  return {
    host: c.host,
    port: c.port,
    database: c.database,
    user: c.user,
    pool: config.pool,
    ...(c.password !== undefined ? { password: c.password } : {}),
    ...(c.searchPath !== undefined ? { searchPath: c.searchPath } : {}),
    ...(ssl ? { ssl } : {}),
  };
}

/** Database failures → AdapterErrors by SQLSTATE class; the cause stays attached for the log. */
function toAdapterError(err: unknown, signal: AbortSignal, what: string): Error {
  if (err instanceof AdapterError) return err;
  if (err instanceof SqlTooManyRows) return new UpstreamRejected(`${what}: ${err.message}`, { cause: err });
  const code = String((err as { code?: unknown }).code ?? '');
  // 57014 query_canceled: our statement_timeout or our pg_cancel_backend on abort.
  if (signal.aborted || code === '57014') return new UpstreamTimeout(`${what}: the database did not answer in time`, { cause: err });
  if (/^(08|53|57|58)/.test(code) || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|EHOSTUNREACH/.test(code) || /timeout exceeded when trying to connect|Connection terminated/i.test((err as Error).message ?? '')) {
    return new UpstreamUnavailable(`${what}: the database is not available${code ? ` (${code})` : ''}`, { cause: err });
  }
  // Anything else (42xxx: the configured SQL does not fit the schema; 22xxx: a value the column
  // type refuses) is the database refusing what we asked.
  return new UpstreamRejected(`${what}: the database refused the query${code ? ` (${code})` : ''}`, { cause: err });
}
