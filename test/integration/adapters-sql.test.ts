import { MappingFailed, UpstreamRejected, UpstreamTimeout, UpstreamUnavailable } from '../../adapters/index.js';
import { createSqlAdapter, sqlConfigSchema } from '../../adapters/sql/index.js';
import type { Adapter, AdapterContext } from '../../adapters/types.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { createPgSchema, pgAvailable, PG, type PgSchema } from './adapters-backends.js';
import { searchQueryOf } from '../helpers/search-query.js';

/**
 * The sql adapter against real PostgreSQL (127.0.0.1:5432, database test) in a schema of its own:
 * a small lab system with a results table. Injection, deadlines, row caps, foreign rows, garbage.
 */
const A = 'pat-a';
const B = 'pat-b';
const available = await pgAvailable();
if (!available) console.warn('adapters-sql: skipped, no PostgreSQL at 127.0.0.1:5432 (user postgres, database test)');
const d = available ? describe : describe.skip;

d('sql adapter on PostgreSQL', () => {
  let db: PgSchema;
  const adapters: Adapter[] = [];
  beforeAll(async () => {
    db = await createPgSchema(undefined, 'sqlit');
    await db.query(`CREATE TABLE ${db.schema}.lab_result (result_id text PRIMARY KEY, patient_id text NOT NULL, loinc text NOT NULL, status char(1) NOT NULL, value numeric, unit text, taken_at timestamptz, extra text)`);
    await db.query(`INSERT INTO ${db.schema}.lab_result VALUES
      ('r1', '${A}', '1-8', 'F', 5.4, 'mmol/L', '2024-05-01 09:30:00+02', null),
      ('r2', '${A}', '2-6', 'P', 7, 'mmol/L', '2024-05-02 10:00:00+02', null),
      ('r3', '${B}', '1-8', 'F', 6.1, 'mmol/L', '2024-05-03 08:00:00+02', null),
      ('bad', 'pat-garbage', '1-8', 'X', 1, 'mmol/L', '2024-05-03 08:00:00+02', null)`);
  });
  afterAll(async () => {
    await Promise.all(adapters.map((a) => a.close()));
    await db?.drop();
  });

  const MAPPING = {
    resourceType: 'Observation',
    template: { meta: { profile: ['http://nictiz.nl/fhir/StructureDefinition/zib-LaboratoryTestResult-Observation'] } },
    fields: [
      { to: 'id', from: 'result_id', required: true },
      { to: 'status', from: 'status', map: { F: 'final', P: 'preliminary' }, required: true },
      { to: 'code.coding[0].system', value: 'http://loinc.org' },
      { to: 'code.coding[0].code', from: 'loinc', type: 'code' },
      { to: 'subject.reference', template: 'Patient/{patient_id}' },
      { to: 'valueQuantity.value', from: 'value', type: 'decimal' },
      { to: 'valueQuantity.unit', from: 'unit' },
      { to: 'effectiveDateTime', from: 'taken_at', type: 'dateTime' },
    ],
  };
  const SEARCH = `SELECT * FROM lab_result WHERE patient_id = :patient AND (CAST(:code AS text) IS NULL OR 'http://loinc.org|' || loinc = :code) AND (CAST(:status AS text) IS NULL OR status = :status)`;

  function adapter(extra: Record<string, unknown> = {}, search = SEARCH, connection: Record<string, unknown> = {}): Adapter {
    const config = sqlConfigSchema.parse({
      id: 'lab-sql', kind: 'sql', fhirVersion: 'STU3',
      connection: { ...PG, searchPath: db.schema, ...connection },
      statementTimeoutMs: 2000, maxRows: 50, pool: { max: 2, connectionTimeoutMs: 1000 },
      resources: {
        Observation: {
          search: { sql: search, params: { code: 'code', status: 'status' } },
          read: { sql: 'SELECT * FROM lab_result WHERE result_id = :id AND patient_id = :patient' },
          patientColumn: 'patient_id', keyColumn: 'result_id', mapping: 'lab',
        },
      },
      patientLookup: { sql: "SELECT 'pat-a' AS id WHERE :bsn = '999911120'" },
      mappings: { lab: MAPPING },
      ...extra,
    });
    const a = createSqlAdapter(config, { log: createSilentLogger(), baseDir: '.' });
    adapters.push(a);
    return a;
  }
  const ctx = (signal: AbortSignal = AbortSignal.timeout(5000), patientRef = A): AdapterContext => ({ patient: { patientRef }, fhirVersion: 'STU3', requestId: 't', signal, log: createSilentLogger() });

  test('rows become FHIR through the mapping; values are bound, dates keep their offset', async () => {
    const a = adapter();
    const out = await a.search(searchQueryOf('STU3', 'Observation', [{ name: 'code', value: 'http://loinc.org|1-8' }]), ctx());
    expect(out.resources).toEqual([
      {
        resourceType: 'Observation', id: 'r1', status: 'final',
        meta: { profile: ['http://nictiz.nl/fhir/StructureDefinition/zib-LaboratoryTestResult-Observation'] },
        code: { coding: [{ system: 'http://loinc.org', code: '1-8' }] },
        subject: { reference: `Patient/${A}` },
        valueQuantity: { value: 5.4, unit: 'mmol/L' },
        effectiveDateTime: expect.stringMatching(/^2024-05-01T\d{2}:30:00[+-]\d{2}:\d{2}$/),
      },
    ]);
    expect((await a.search({ resourceType: 'Observation', params: [], criteria: [] }, ctx())).resources.map((r) => r.id).sort()).toEqual(['r1', 'r2']);
    expect(await a.read('Observation', 'r3', ctx())).toBeUndefined();
    expect((await a.read('Observation', 'r1', ctx()))?.id).toBe('r1');
    expect(await a.findPatientByBsn('999911120', AbortSignal.timeout(2000))).toEqual({ patientRef: A });
  });

  test('SQL injection through every query parameter, the patient reference and the id: nothing extra, database untouched', async () => {
    const a = adapter();
    const before = (await db.query(`SELECT count(*)::int AS n, md5(string_agg(result_id || patient_id || status, ',' ORDER BY result_id)) AS h FROM ${db.schema}.lab_result`)).rows[0];
    const attacks = [
      "' OR '1'='1", "x'; DROP TABLE lab_result; --", "1-8' UNION SELECT * FROM lab_result --", '\\\'; DELETE FROM lab_result; --',
      "http://loinc.org|1-8' OR patient_id <> '", '$$; DROP TABLE lab_result; $$', "F' OR 'a'='a",
    ];
    for (const v of attacks) {
      for (const name of ['code', 'status']) {
        const out = await a.search(searchQueryOf('STU3', 'Observation', [{ name, value: v }]), ctx());
        expect(out.resources).toEqual([]);
      }
      expect((await a.search({ resourceType: 'Observation', params: [], criteria: [] }, ctx(undefined, `${A}' OR '1'='1`)).catch((e: unknown) => e))).toBeInstanceOf(MappingFailed);
      expect(await a.read('Observation', v, ctx())).toBeUndefined();
      expect(await a.findPatientByBsn(v, AbortSignal.timeout(2000))).toBeUndefined();
    }
    const after = (await db.query(`SELECT count(*)::int AS n, md5(string_agg(result_id || patient_id || status, ',' ORDER BY result_id)) AS h FROM ${db.schema}.lab_result`)).rows[0];
    expect(after).toEqual(before);
  });

  test('queries run read-only: a configured query that writes is refused by the database', async () => {
    const a = adapter({}, `WITH gone AS (DELETE FROM lab_result WHERE patient_id = :patient RETURNING *) SELECT * FROM gone`);
    await expect(a.search({ resourceType: 'Observation', params: [], criteria: [] }, ctx())).rejects.toBeInstanceOf(UpstreamRejected);
    expect((await db.query(`SELECT count(*)::int AS n FROM ${db.schema}.lab_result WHERE patient_id = $1`, [A])).rows[0]).toEqual({ n: 2 });
  });

  test("rows of another patient (a wrong query) are dropped, never returned as this patient's", async () => {
    const a = adapter({}, `SELECT * FROM lab_result WHERE patient_id = :patient OR true`);
    const reported: Array<[string, number]> = [];
    const out = await a.search({ resourceType: 'Observation', params: [], criteria: [] }, { ...ctx(), reportForeign: (type, n) => reported.push([type, n]) });
    expect(out.resources.map((r) => r.id).sort()).toEqual(['r1', 'r2']);
    // Reported by count for the alarm (the gateway's adapter boundary raises it), never by content.
    expect(reported).toEqual([['Observation', 2]]); // r3 of B and the row of pat-garbage
  });

  test('slow: the statement timeout and the request deadline both end in UpstreamTimeout, and the statement is cancelled', async () => {
    const slow = `SELECT * FROM lab_result, pg_sleep(3) WHERE patient_id = :patient`;
    const a = adapter({ statementTimeoutMs: 200 }, slow);
    let t0 = Date.now();
    await expect(a.search({ resourceType: 'Observation', params: [], criteria: [] }, ctx())).rejects.toBeInstanceOf(UpstreamTimeout);
    expect(Date.now() - t0).toBeLessThan(1500);
    const b = adapter({ statementTimeoutMs: 10_000 }, slow);
    t0 = Date.now();
    await expect(b.search({ resourceType: 'Observation', params: [], criteria: [] }, ctx(AbortSignal.timeout(200)))).rejects.toBeInstanceOf(UpstreamTimeout);
    expect(Date.now() - t0).toBeLessThan(1500);
    // The server no longer runs it (pg_cancel_backend), rather than sleeping on for 3 s.
    await new Promise((r) => setTimeout(r, 100));
    const running = await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%pg_sleep(3)%' AND state = 'active' AND pid <> pg_backend_pid()`);
    expect(running.rows[0]).toEqual({ n: 0 });
  });

  test('huge: more rows than maxRows is an error, not a cut answer; garbage rows → MappingFailed; down → UpstreamUnavailable', async () => {
    const huge = adapter({ maxRows: 5 }, `SELECT 'r' || g AS result_id, :patient AS patient_id, '1-8' AS loinc, 'F' AS status, 1 AS value, 'x' AS unit, null AS taken_at FROM generate_series(1, 1000000) g`);
    const t0 = Date.now();
    await expect(huge.search({ resourceType: 'Observation', params: [], criteria: [] }, ctx())).rejects.toThrow(/more than 5 rows/);
    expect(Date.now() - t0).toBeLessThan(2000);
    const garbage = adapter({}, `SELECT * FROM lab_result WHERE patient_id = :patient OR patient_id = 'pat-garbage'`);
    await expect(garbage.search({ resourceType: 'Observation', params: [], criteria: [] }, ctx(undefined, 'pat-garbage'))).rejects.toThrow('mapping "lab", record "bad", field "status": value not in the value map');
    const down = adapter({}, SEARCH, { port: 1 });
    await expect(down.search({ resourceType: 'Observation', params: [], criteria: [] }, ctx())).rejects.toBeInstanceOf(UpstreamUnavailable);
    expect((await down.health(AbortSignal.timeout(2000))).ok).toBe(false);
  });

  test('config: every search binds :patient, only declared :names, one SELECT, no $n (errors name the path)', () => {
    const r = sqlConfigSchema.safeParse({
      id: 'x', kind: 'sql', fhirVersion: 'STU3', connection: PG,
      resources: {
        Observation: { search: { sql: "SELECT * FROM t WHERE code = :code" }, mapping: 'lab', patientColumn: 'p' },
        Condition: { search: { sql: 'SELECT * FROM t WHERE p = :patient; DELETE FROM t' }, mapping: 'c', patientColumn: 'p' },
      },
      mappings: { lab: MAPPING, c: { ...MAPPING, resourceType: 'Condition' } },
    });
    expect(r.success).toBe(false);
    const issues = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues).toEqual(expect.arrayContaining([
      expect.stringMatching(/^resources\.Observation\.search\.sql: unknown parameter :code/),
      expect.stringMatching(/^resources\.Condition\.search\.sql: one statement only/),
    ]));
  });
});
