import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Resource } from '../../adapters/types.js';
import { sendFhirJson } from '../helpers/delen.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createPgSchema, pgAvailable, PG, type PgSchema } from './adapters-backends.js';

/**
 * Delen into the EHR's own PostgreSQL (sql adapter): the shared measurements become rows through
 * named, parameterised INSERTs from the YAML config, all of one request in one transaction, and
 * are served back through Verzamelen (52) by the same adapter's SELECT and mapping. Real
 * PostgreSQL in a schema of its own per run; over two-sided TLS as the listed PGO.
 */
const PATIENT = 'pat-sql-1';
const TOKEN_53 = 'tok-sql-delen-00000000000001';
const TOKEN_52 = 'tok-sql-vitals-0000000000002';
const BP = 'http://nictiz.nl/fhir/StructureDefinition/zib-BloodPressure';
const available = await pgAvailable();
if (!available) console.warn('delen-sql: skipped, no PostgreSQL at 127.0.0.1:5432 (user postgres, database test)');
const d = available ? describe : describe.skip;

function bloodPressureBatch(pairs: ReadonlyArray<readonly [number, number]>): Resource {
  const patientUrn = `urn:uuid:${randomUUID()}`;
  return {
    resourceType: 'Bundle',
    type: 'batch',
    entry: [
      { fullUrl: patientUrn, resource: { resourceType: 'Patient', name: [{ family: 'Synthetisch' }] }, request: { method: 'POST', url: 'Patient' } },
      ...pairs.map(([systolic, diastolic], i) => ({
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource: {
          resourceType: 'Observation',
          meta: { profile: [BP] },
          status: 'final',
          category: [{ coding: [{ system: 'http://hl7.org/fhir/observation-category', code: 'vital-signs' }] }],
          code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
          subject: { reference: patientUrn },
          effectiveDateTime: `2026-11-${String(10 + i).padStart(2, '0')}T07:30:00+01:00`,
          component: [
            { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: systolic, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
            { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: diastolic, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
          ],
        },
        request: { method: 'POST', url: 'Observation' },
      })),
    ],
  };
}

/** The EHR's measurement table, written by the INSERT and read by the SELECT of one adapter. */
function sqlAdapter(id: string, db: PgSchema, insert: string, connection: Record<string, unknown> = {}): string {
  const mmHg = (i: number, code: string, column: string) => [
    { to: `component[${i}].code.coding[0].system`, value: 'http://loinc.org' },
    { to: `component[${i}].code.coding[0].code`, value: code },
    { to: `component[${i}].valueQuantity.value`, from: column, type: 'decimal' },
    { to: `component[${i}].valueQuantity.unit`, value: 'mmHg' },
  ];
  const adapter = {
    id, kind: 'sql', fhirVersion: 'STU3',
    connection: { ...PG, searchPath: db.schema, ...connection },
    statementTimeoutMs: 3000, pool: { max: 2, connectionTimeoutMs: 1000 },
    resources: {
      Observation: {
        search: { sql: 'SELECT * FROM measurement WHERE patient_id = :patient' },
        patientColumn: 'patient_id', keyColumn: 'id', mapping: 'bp',
        write: {
          statements: [{ sql: insert }],
          binds: {
            loinc: 'code.coding[0].code', status: 'status', profile: 'meta.profile[0]', effective: 'effectiveDateTime',
            systolic: 'component[code=8480-6].valueQuantity.value', diastolic: 'component[code=8462-4].valueQuantity.value',
          },
        },
      },
    },
    mappings: {
      bp: {
        resourceType: 'Observation',
        fields: [
          { to: 'id', from: 'id', required: true },
          { to: 'meta.profile[0]', from: 'profile' },
          { to: 'status', from: 'status', required: true },
          { to: 'category[0].coding[0].system', value: 'http://hl7.org/fhir/observation-category' },
          { to: 'category[0].coding[0].code', value: 'vital-signs' },
          { to: 'code.coding[0].system', value: 'http://loinc.org' },
          { to: 'code.coding[0].code', from: 'loinc', type: 'code' },
          { to: 'subject.reference', template: 'Patient/{patient_id}' },
          { to: 'effectiveDateTime', from: 'measured_at', type: 'dateTime' },
          ...mmHg(0, '8480-6', 'systolic'),
          ...mmHg(1, '8462-4', 'diastolic'),
        ],
      },
    },
  };
  return `  - ${JSON.stringify(adapter)}`;
}

const INSERT = 'INSERT INTO measurement (id, patient_id, loinc, status, profile, systolic, diastolic, measured_at) VALUES (:id, :patient, :loinc, :status, :profile, :systolic, :diastolic, CAST(:effective AS timestamptz))';

d('Delen into PostgreSQL through the sql adapter', () => {
  let db: PgSchema;
  let gw: TestGateway;
  let tls: { ca: string; cert: string; key: string };

  beforeAll(async () => {
    db = await createPgSchema(undefined, 'delensql');
    // The systolic value has a CHECK, so one bad row can show that its whole request is undone.
    await db.query(`CREATE TABLE ${db.schema}.measurement (id text PRIMARY KEY, patient_id text NOT NULL, loinc text NOT NULL, status text NOT NULL, profile text, systolic numeric CHECK (systolic < 400), diastolic numeric, measured_at timestamptz NOT NULL)`);
    gw = await startTestGateway({
      mode: 'test',
      servicesYaml: [
        '      - { id: "52", standard: vitals-2, fhirVersion: STU3, adapter: ehr-sql }',
        '      - { id: "53", standard: zelfmetingen-delen-2, fhirVersion: STU3, adapter: ehr-sql }',
        '      - { id: "53s", standard: zelfmetingen-delen-2, fhirVersion: STU3, adapter: ehr-sql-slow, timeoutMs: 500 }',
        '      - { id: "53d", standard: zelfmetingen-delen-2, fhirVersion: STU3, adapter: ehr-sql-down }',
      ].join('\n'),
      adaptersYaml: [
        sqlAdapter('ehr-sql', db, INSERT),
        // Slow: the INSERT waits 3 s in the database, past the service's 500 ms deadline.
        sqlAdapter('ehr-sql-slow', db, `${INSERT.replace(' VALUES (', ' SELECT ').replace(/\)$/, '')} FROM pg_sleep(3)`),
        // Down: nothing listens on this port.
        sqlAdapter('ehr-sql-down', db, INSERT, { port: 1 }),
      ].join('\n'),
      extraYaml: `qualification:\n  tokens:\n    - { token: ${TOKEN_53}, patientRef: ${PATIENT}, provider: demoziekenhuis, services: ["53", "53s", "53d"] }\n    - { token: ${TOKEN_52}, patientRef: ${PATIENT}, provider: demoziekenhuis, services: ["52"] }`,
    });
    tls = { ca: await readFile(gw.pki.caCert, 'utf8'), cert: await readFile(gw.pki.pgoListedCert, 'utf8'), key: await readFile(gw.pki.pgoListedKey, 'utf8') };
  });
  afterAll(async () => {
    await gw?.close();
    await db?.drop();
  });

  const send = (method: 'POST' | 'GET', target: string, token: string, body?: string) => sendFhirJson(gw, tls, method, target, token, body);
  const rows = async () => (await db.query(`SELECT id, patient_id, loinc, status, systolic::float8 AS systolic, diastolic::float8 AS diastolic FROM ${db.schema}.measurement ORDER BY measured_at`)).rows as Array<Record<string, unknown>>;

  it('stores each measurement as a row for the token patient in one transaction, and serves it back through 52 by the same mapping', async () => {
    const a = await send('POST', '/fhir/demoziekenhuis/53', TOKEN_53, JSON.stringify(bloodPressureBatch([[121, 79], [134, 88]])));
    expect(a.status).toBe(200);
    const entries = a.json['entry'] as Array<{ resource?: Resource; response: { status: string; location?: string } }>;
    expect(entries.map((e) => e.response.status)).toEqual(['200 OK', '201 Created', '201 Created']);
    const ids = entries.slice(1).map((e) => String(e.resource!.id));
    expect(await rows()).toEqual([
      { id: ids[0], patient_id: PATIENT, loinc: '85354-9', status: 'final', systolic: 121, diastolic: 79 },
      { id: ids[1], patient_id: PATIENT, loinc: '85354-9', status: 'final', systolic: 134, diastolic: 88 },
    ]);
    const served = await send('GET', '/fhir/demoziekenhuis/52/Observation?code=http://loinc.org|85354-9', TOKEN_52);
    expect(served.status).toBe(200);
    const back = ((served.json['entry'] ?? []) as Array<{ resource: Resource }>).map((e) => e.resource);
    expect(back.map((r) => r.id).sort()).toEqual([...ids].sort());
    const first = back.find((r) => r.id === ids[0])!;
    expect(first).toMatchObject({ subject: { reference: `Patient/${PATIENT}` }, meta: { profile: [BP] }, code: { coding: [{ code: '85354-9' }] } });
    expect((first['component'] as Array<{ valueQuantity: { value: number } }>).map((c) => c.valueQuantity.value)).toEqual([121, 79]);
    expect(gw.audit.events.filter((e) => e.type === 'delen_write').at(-1)).toMatchObject({ outcome: 'success', count: 2, patientRef: PATIENT, detail: ids.map((id) => `Observation/${id}`).join(' ') });
  });

  it('a row the database refuses: its transaction is undone whole, then each batch entry gets its own status (the good one stored once)', async () => {
    const before = await rows();
    const a = await send('POST', '/fhir/demoziekenhuis/53', TOKEN_53, JSON.stringify(bloodPressureBatch([[125, 80], [999, 80]])));
    expect(a.status).toBe(200);
    const entries = a.json['entry'] as Array<{ resource?: Resource; response: { status: string; outcome?: unknown } }>;
    expect(entries.map((e) => e.response.status)).toEqual(['200 OK', '201 Created', '422 Unprocessable Entity']);
    expect(entries[2]!.response.outcome).toMatchObject({ resourceType: 'OperationOutcome' });
    const after = await rows();
    // Exactly one new row: the first all-in-one attempt was rolled back, not half-kept.
    expect(after).toHaveLength(before.length + 1);
    expect(after.filter((r) => r['id'] === entries[1]!.resource!.id)).toEqual([expect.objectContaining({ systolic: 125 })]);
  });

  it('EHR slow → 504, EHR down → 503, and nothing stored either way', async () => {
    const before = await rows();
    const slow = await send('POST', '/fhir/demoziekenhuis/53s', TOKEN_53, JSON.stringify(bloodPressureBatch([[126, 81]])));
    expect(slow.status).toBe(504);
    const down = await send('POST', '/fhir/demoziekenhuis/53d', TOKEN_53, JSON.stringify(bloodPressureBatch([[127, 82]])));
    expect(down.status).toBe(503);
    expect(down.json).toMatchObject({ resourceType: 'OperationOutcome' });
    // The slow INSERT was cancelled and rolled back, not committed later.
    await db.query(`SELECT 1`);
    const stillRunning = async () => (await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%pg_sleep(3)%' AND state = 'active' AND pid <> pg_backend_pid()`)).rows[0] as { n: number };
    for (let i = 0; i < 50 && (await stillRunning()).n > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await rows()).toEqual(before);
  });
});
