import { z } from 'zod';
import { mappingsSchema, parseResourcePath } from '../mapping/index.js';
import { compileNamedQuery } from './compile-named-query.js';
import { pushdownSpecSchema } from '../pushdown.js';

/**
 * `kind: sql`: the EHR's database (PostgreSQL). Named, parameterised SELECTs per resource type;
 * the patient reference is always the bind parameter `:patient` and PGO filter values are bound
 * too (`params`), never written into the SQL text. Rows become FHIR through the shared mapping.
 */
const resourceType = z.string().regex(/^[A-Z][A-Za-z]{1,63}$/);
const bindName = z.string().regex(/^[a-z_][a-z0-9_]*$/);
const column = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);

export const sqlResourceSchema = z.strictObject({
  search: z
    .strictObject({
      /** Must use :patient. Other :names come from `params`. */
      sql: z.string().min(1),
      /**
       * Bind name → what it gets of the PGO's filters (adapters/pushdown.ts), NULL when nothing:
       * `{ param, as: codes }` binds a text[] of the OR list's codes, `as: from | to` a timestamptz
       * window bound of a prefixed date, `as: text` (or just the parameter name) the value as sent
       * when it is one alternative. The gateway re-applies every filter to the rows' resources.
       */
      params: z
        .record(bindName, z.union([z.string().regex(/^[a-z][a-z0-9.:-]*$/).transform((param) => ({ param, as: 'text' as const })), pushdownSpecSchema]))
        .default({}),
    })
    .optional(),
  /**
   * Delen: how a shared resource of this type is stored. Named, parameterised statements
   * (INSERTs) run in order, for every resource of one request inside ONE transaction; `:id` is
   * the id the gateway assigned, `:patient` the token's patient (never a value from the body),
   * and every other `:name` comes from `binds` (name → path into the resource, resource-path.ts;
   * `as: bytes` decodes base64, e.g. a Binary's content into a bytea). Absent: this type is not
   * written.
   */
  write: z
    .strictObject({
      statements: z.array(z.strictObject({ sql: z.string().min(1) })).min(1).max(20),
      binds: z
        .record(bindName, z.union([z.string().min(1).transform((path) => ({ path, as: 'value' as const })), z.strictObject({ path: z.string().min(1), as: z.enum(['value', 'text', 'bytes']).default('value') })]))
        .default({}),
    })
    .optional(),
  /** One row by :id (and optionally :patient), for reads and `_include`. */
  read: z.strictObject({ sql: z.string().min(1) }).optional(),
  mapping: z.string().min(1),
  /** Column with the row's patient; rows of anyone else are dropped. Absent for shared types. */
  patientColumn: column.optional(),
  /** Column naming the row in mapping errors. */
  keyColumn: column.default('id'),
});

export const sqlConfigSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9-]+$/),
    kind: z.literal('sql'),
    fhirVersion: z.enum(['STU3', 'R4']),
    connection: z.strictObject({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).default(5432),
      database: z.string().min(1),
      user: z.string().min(1),
      password: z.string().min(1).optional(),
      /** Schemas to search, e.g. the EHR's own. */
      searchPath: z.string().regex(/^[a-z_][a-z0-9_]*(,\s*[a-z_][a-z0-9_]*)*$/).optional(),
      ssl: z.strictObject({ caFile: z.string().min(1).optional(), rejectUnauthorized: z.boolean().default(true) }).optional(),
    }),
    pool: z
      .strictObject({
        max: z.number().int().positive().max(100).default(10),
        idleTimeoutMs: z.number().int().positive().default(30_000),
        connectionTimeoutMs: z.number().int().positive().default(5_000),
      })
      .prefault({}),
    /** Server-side bound per statement (SET LOCAL statement_timeout); the request deadline cancels sooner. */
    statementTimeoutMs: z.number().int().positive().max(55_000).default(10_000),
    /** More rows than this for one query is an error, not a silently cut answer. */
    maxRows: z.number().int().positive().max(100_000).default(5_000),
    resources: z.record(resourceType, sqlResourceSchema),
    patientLookup: z.strictObject({ sql: z.string().min(1), idColumn: column.default('id') }).optional(),
    mappings: mappingsSchema,
  })
  .superRefine((c, ctx) => {
    if (c.patientLookup) {
      try {
        if (!compileNamedQuery(c.patientLookup.sql, ['bsn']).names.includes('bsn')) throw new Error('must bind :bsn');
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['patientLookup', 'sql'], message: (err as Error).message });
      }
    }
    for (const [type, r] of Object.entries(c.resources)) {
      const m = c.mappings[r.mapping];
      if (!m) ctx.addIssue({ code: 'custom', path: ['resources', type, 'mapping'], message: `no mapping named "${r.mapping}"` });
      else if (m.resourceType !== type) ctx.addIssue({ code: 'custom', path: ['resources', type, 'mapping'], message: `mapping "${r.mapping}" makes ${m.resourceType}, not ${type}` });
      const check = (sql: string, allowed: string[], path: (string | number)[], mustHave?: string, kind: 'select' | 'insert' = 'select'): void => {
        try {
          const q = compileNamedQuery(sql, allowed, kind);
          if (mustHave !== undefined && !q.names.includes(mustHave)) ctx.addIssue({ code: 'custom', path, message: `must bind :${mustHave}` });
        } catch (err) {
          ctx.addIssue({ code: 'custom', path, message: (err as Error).message });
        }
      };
      if (r.search) check(r.search.sql, ['patient', ...Object.keys(r.search.params)], ['resources', type, 'search', 'sql'], 'patient');
      if (r.read) check(r.read.sql, ['id', 'patient'], ['resources', type, 'read', 'sql'], 'id');
      if (r.write) {
        const names = ['id', 'patient', ...Object.keys(r.write.binds)];
        r.write.statements.forEach((st, i) => check(st.sql, names, ['resources', type, 'write', 'statements', i, 'sql'], 'patient', 'insert'));
        for (const [name, bind] of Object.entries(r.write.binds)) {
          if (name === 'id' || name === 'patient') ctx.addIssue({ code: 'custom', path: ['resources', type, 'write', 'binds', name], message: `:${name} is the gateway's own (assigned id, token's patient)` });
          try {
            parseResourcePath(bind.path);
          } catch (err) {
            ctx.addIssue({ code: 'custom', path: ['resources', type, 'write', 'binds', name], message: (err as Error).message });
          }
        }
      }
      if (r.search && r.patientColumn === undefined) {
        ctx.addIssue({ code: 'custom', path: ['resources', type, 'patientColumn'], message: 'a searchable type needs patientColumn' });
      }
    }
  });

export type SqlConfig = z.output<typeof sqlConfigSchema>;
export type SqlResourceConfig = z.output<typeof sqlResourceSchema>;
