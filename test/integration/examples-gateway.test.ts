import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { parseConfig } from '../../gateway/config/index.js';
import { createGateway, type Gateway, type GatewayAddresses } from '../../gateway/gateway.js';
import { MemoryAuditLog } from '../../gateway/observability/audit.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { devPkiFiles } from '../../gateway/pki/index.js';
import { fromProjectRoot } from '../../gateway/project-root.js';
import type { Resource } from '../../adapters/types.js';
import { builtInDemoData } from '../../adapters/index.js';
import {
  createPgSchema, listen, loadDataset, ownerOf, pgAvailable, readBody, startFhirBackend,
  type Backend, type Dataset, type PgSchema,
} from './adapters-backends.js';

/**
 * The worked examples of config/examples as whole gateways: the example file as shipped, with only
 * what ties it to its site substituted (EHR address, ports, TLS files, list sources, mode: test
 * with a static token instead of DigiD), started with createGateway and asked over mTLS with the
 * development PKI the gateway generated, exactly as a PGO would.
 */
const pgUp = await pgAvailable();
const redisUp = await new Promise<boolean>((resolve) => {
  const socket = net.connect({ host: '127.0.0.1', port: 6379 });
  socket.setTimeout(1000, () => (socket.destroy(), resolve(false)));
  socket.on('connect', () => (socket.end(), resolve(true)));
  socket.on('error', () => resolve(false));
});
if (!pgUp) console.warn('examples-gateway (lab-sql) skipped: no PostgreSQL at 127.0.0.1:5432 (user postgres, database test)');
if (!redisUp) console.warn('examples-gateway skipped: no Redis at 127.0.0.1:6379 (the examples store state in Redis)');
const describeLab = pgUp && redisUp ? describe : describe.skip;
const describeHospital = redisUp ? describe : describe.skip;

const ENV = { REDIS_URL: 'redis://127.0.0.1:6379', OIDC_CLIENT_SECRET: 'unused-here', OAUTH_COOKIE_KEY: 'c'.repeat(40), LIMS_DB_PASSWORD: 'unused-trust-auth' };
const TOKEN = 'lab-west-qualification-token-0001';
const LAB_CATEGORY = 'http://snomed.info/sct|49581000146104';
const devLists = fromProjectRoot('config', 'lists', 'dev');

type Json = Record<string, unknown>;
type Tls = { ca: string; cert: string; key: string };

function get(url: string, tls: Tls, token: string): Promise<{ status: number; body: Json }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ...tls, servername: 'localhost', headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Json }));
    });
    req.on('error', reject);
  });
}

async function pgoTls(dir: string): Promise<Tls> {
  const pki = devPkiFiles(dir);
  return { ca: await readFile(pki.caCert, 'utf8'), cert: await readFile(pki.pgoListedCert, 'utf8'), key: await readFile(pki.pgoListedKey, 'utf8') };
}

/** The example as a YAML document, with the site-specific parts replaced for this machine. */
function localise(doc: YAML.Document, dir: string, keyPrefix: string): void {
  doc.set('mode', 'test');
  for (const l of ['node', 'patient']) {
    doc.setIn(['listeners', l, 'host'], '127.0.0.1');
    doc.setIn(['listeners', l, 'port'], 0);
  }
  doc.set('operations', { host: '127.0.0.1', port: 0 });
  doc.set('tls', { certFile: `${dir}/gateway.crt`, keyFile: `${dir}/gateway.key`, clientCaFile: `${dir}/ca.crt`, generateDevCertificates: true, watchFiles: false });
  const files: Record<string, string> = {
    whitelist: 'MedMij_Whitelist.xml', oauthClientList: 'MedMij_OAuthclientlist.xml',
    zorgaanbiederslijst: 'MedMij_Zorgaanbiederslijst.xml', gegevensdienstnamenlijst: 'MedMij_Gegevensdienstnamenlijst.xml',
  };
  for (const [kind, file] of Object.entries(files)) doc.setIn(['lists', kind, 'source'], path.join(devLists, file));
  doc.setIn(['storage', 'keyPrefix'], keyPrefix);
  doc.set('logging', { level: 'silent' });
}

describeLab('config/examples/lab-sql.yaml as a running gateway', () => {
  let db: PgSchema;
  let gateway: Gateway;
  let urls: GatewayAddresses;
  let dir: string;
  let tls: Tls;
  const audit = new MemoryAuditLog();

  beforeAll(async () => {
    // The LIMS: the example's own tables in a schema of their own, with two patients' results.
    db = await createPgSchema(undefined, 'labex');
    await db.query(`CREATE TABLE ${db.schema}.patient (patient_id text PRIMARY KEY, bsn text NOT NULL)`);
    await db.query(`CREATE TABLE ${db.schema}.lab_result (result_id text PRIMARY KEY, patient_id text NOT NULL, loinc text NOT NULL, status text NOT NULL, value numeric, unit text, taken_at timestamptz NOT NULL)`);
    await db.query(`INSERT INTO ${db.schema}.lab_result VALUES
      ('r1', 'lw-1', '718-7', 'F', 8.6, 'mmol/L', '2024-03-01T08:30:00Z'),
      ('r2', 'lw-1', '2345-7', 'P', 5.4, 'mmol/L', '2024-03-02T08:30:00Z'),
      ('r3', 'lw-1', '2160-0', 'C', 81, 'umol/L', '2024-02-01T08:30:00Z'),
      ('r4', 'lw-2', '718-7', 'F', 7.1, 'mmol/L', '2024-03-01T09:00:00Z')`);

    dir = await mkdtemp(path.join(os.tmpdir(), 'example-lab-'));
    const example = fromProjectRoot('config', 'examples', 'lab-sql.yaml');
    const doc = YAML.parseDocument(await readFile(example, 'utf8'));
    localise(doc, dir, `labex-${process.pid}-${Date.now()}:`);
    doc.setIn(['adapters', 0, 'connection'], { host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres', password: '${env:LIMS_DB_PASSWORD}', searchPath: db.schema });
    doc.set('qualification', { tokens: [{ token: TOKEN, patientRef: 'lw-1', provider: 'lab-west', services: ['46'] }] });

    const config = parseConfig(doc.toString(), { file: example, env: ENV });
    gateway = await createGateway(config, { configDir: path.dirname(example), log: createSilentLogger(), audit });
    urls = await gateway.listen();
    tls = await pgoTls(dir);
  }, 30_000);

  afterAll(async () => {
    await gateway?.close(1000);
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const search = (query: string, token = TOKEN) => get(`${urls.node}/lab-west/46/fhir/${query}`, tls, token);

  test('the Lab 2.x search answers the patient\'s results, mapped from the LIMS rows', async () => {
    const answer = await search(`Observation?category=${encodeURIComponent(LAB_CATEGORY)}`);
    expect(answer.status).toBe(200);
    const bundle = answer.body;
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 3 });
    const entries = bundle['entry'] as Array<{ fullUrl: string; resource: Json; search: { mode: string } }>;
    // Only lw-1's rows, newest first as the example's ORDER BY gives them; r4 is another patient's.
    expect(entries.map((e) => e.resource['id'])).toEqual(['r2', 'r1', 'r3']);
    for (const e of entries) {
      expect(e.search.mode).toBe('match');
      expect(e.fullUrl).toBe(`https://medmij.lab-west.example:9443/lab-west/46/fhir/Observation/${String(e.resource['id'])}`);
      expect(e.resource).toMatchObject({
        resourceType: 'Observation',
        meta: { profile: ['http://nictiz.nl/fhir/StructureDefinition/zib-LaboratoryTestResult-Observation'] },
        category: [{ coding: [{ system: 'http://snomed.info/sct', code: '49581000146104' }] }],
        subject: { reference: 'Patient/lw-1' },
      });
    }
    expect(entries[0]?.resource).toMatchObject({
      status: 'preliminary',
      code: { coding: [{ system: 'http://loinc.org', code: '2345-7' }] },
      valueQuantity: { value: 5.4, unit: 'mmol/L' },
    });
    expect(entries[2]?.resource['status']).toBe('corrected');
    const self = (bundle['link'] as Array<{ relation: string; url: string }>).find((l) => l.relation === 'self');
    expect(self?.url).toContain('category=');
  });

  test('a search outside the Lab 2.x catalogue is refused with an OperationOutcome', async () => {
    const answer = await search(`Observation?category=${encodeURIComponent('http://snomed.info/sct|275711006')}`);
    expect(answer.status).toBe(400);
    expect(answer.body['resourceType']).toBe('OperationOutcome');
  });

  test('an unknown token gets 401; the search was audited for the token\'s patient only', async () => {
    expect((await search(`Observation?category=${encodeURIComponent(LAB_CATEGORY)}`, 'not-a-known-token-000000')).status).toBe(401);
    const forPatient = audit.events.filter((e) => e.patientRef !== undefined);
    expect(forPatient.length).toBeGreaterThan(0);
    expect(new Set(forPatient.map((e) => e.patientRef))).toEqual(new Set(['lw-1']));
    expect(JSON.stringify(audit.events)).not.toContain('mmol');
  });
});

/** The hospital example as a running gateway, its EHR's FHIR API a FHIR backend holding `data`. */
interface HospitalExample {
  readonly fhir: Backend & { requests: string[] };
  readonly tokenRequests: ReadonlyArray<{ authorization: string | undefined; form: URLSearchParams }>;
  readonly urls: GatewayAddresses;
  readonly tls: Tls;
  close(): Promise<void>;
}

async function startHospitalExample(data: Dataset, tag: string, token: { token: string; patientRef: string; services: string[] }): Promise<HospitalExample> {
  const fhir = await startFhirBackend(data, { pageSize: 2 });
  const tokenRequests: Array<{ authorization: string | undefined; form: URLSearchParams }> = [];
  // The EHR's OAuth token endpoint (client credentials, RFC 6749 §4.4).
  const tokenEndpoint = await listen(async (req, res) => {
    tokenRequests.push({ authorization: req.headers.authorization, form: new URLSearchParams(await readBody(req)) });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ access_token: 'upstream-token', token_type: 'Bearer', expires_in: 300 }));
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), `example-${tag}-`));
  const example = fromProjectRoot('config', 'examples', 'hospital-fhir.yaml');
  const doc = YAML.parseDocument(await readFile(example, 'utf8'));
  localise(doc, dir, `${tag}-${process.pid}-${Date.now()}:`);
  doc.setIn(['adapters', 0, 'baseUrl'], fhir.url);
  doc.setIn(['adapters', 0, 'rewriteBases'], [fhir.url]);
  doc.setIn(['adapters', 0, 'auth', 'tokenUrl'], `${tokenEndpoint.url}/oauth2/token`);
  doc.set('qualification', { tokens: [{ ...token, provider: 'ziekenhuis-noord' }] });
  const config = parseConfig(doc.toString(), { file: example, env: { ...ENV, EPD_CLIENT_SECRET: 'epd-secret' } });
  const gateway = await createGateway(config, { configDir: path.dirname(example), log: createSilentLogger(), audit: new MemoryAuditLog() });
  const urls = await gateway.listen();
  const tls = await pgoTls(dir);
  return {
    fhir, tokenRequests, urls, tls,
    async close() {
      await gateway.close(1000);
      await fhir.close();
      await tokenEndpoint.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const idsOf = (bundle: Json, mode: string) =>
  ((bundle['entry'] ?? []) as Array<{ resource: Resource; search: { mode: string } }>)
    .filter((e) => e.search.mode === mode)
    .map((e) => `${e.resource.resourceType}/${e.resource.id}`)
    .sort();

/** The hospital example: its EHR's FHIR API is the FHIR backend of the adapter tests (same data). */
describeHospital('config/examples/hospital-fhir.yaml as a running gateway', () => {
  const TOKEN_H = 'noord-qualification-token-0001';
  let data: Dataset;
  let patient: string;
  let hospital: HospitalExample;
  let fhir: Backend & { requests: string[] };
  let tokenRequests: HospitalExample['tokenRequests'];
  let urls: GatewayAddresses;
  let tls: Tls;

  beforeAll(async () => {
    data = await loadDataset('STU3', new Date());
    // The first patient with problems (Condition) in the data set.
    patient = data.patients.find((p) => data.resources.some((r) => r.resourceType === 'Condition' && ownerOf(data.version, r) === p)) ?? '';
    expect(patient).not.toBe('');
    hospital = await startHospitalExample(data, 'noordex', { token: TOKEN_H, patientRef: patient, services: ['48'] });
    ({ fhir, tokenRequests, urls, tls } = hospital);
  }, 30_000);

  afterAll(async () => hospital?.close());

  const search = (query: string) => get(`${urls.node}/ziekenhuis-noord/48/fhir/${query}`, tls, TOKEN_H);

  test('BgZ Condition: exactly the patient\'s problems, fetched page by page with the upstream token', async () => {
    const answer = await search('Condition');
    expect(answer.status).toBe(200);
    const expected = data.resources.filter((r) => r.resourceType === 'Condition' && ownerOf(data.version, r) === patient).map((r) => `Condition/${r.id}`).sort();
    expect(idsOf(answer.body, 'match')).toEqual(expected);
    expect(answer.body['total']).toBe(expected.length);
    if (expected.length > 2) expect(fhir.requests.some((r) => r.startsWith('GET /fhir/Condition?') && r.includes('_getpagesoffset='))).toBe(true);
    // The gateway added the patient filter itself (patientFilter: patient); the PGO never sends it.
    expect(fhir.requests.some((r) => r.startsWith('GET /fhir/Condition?') && r.includes(`patient=${encodeURIComponent(patient)}`))).toBe(true);
    expect(tokenRequests.length).toBeGreaterThanOrEqual(1);
    expect(tokenRequests[0]?.form.get('grant_type')).toBe('client_credentials');
    expect(tokenRequests[0]?.authorization).toBe(`Basic ${Buffer.from('medmij-gateway:epd-secret').toString('base64')}`);
    // The internal host never reaches the PGO.
    expect(JSON.stringify(answer.body)).not.toContain(fhir.url);
  });

  test('BgZ Patient?_include=Patient:general-practitioner: the patient and what the reference points at', async () => {
    const answer = await search('Patient?_include=Patient:general-practitioner');
    expect(answer.status).toBe(200);
    expect(idsOf(answer.body, 'match')).toEqual([`Patient/${patient}`]);
    const self = data.resources.find((r) => r.resourceType === 'Patient' && r.id === patient);
    const gps = ((self?.['generalPractitioner'] ?? []) as Array<{ reference?: string }>).map((g) => g.reference ?? '').filter((g) => g !== '');
    expect(idsOf(answer.body, 'include')).toEqual([...new Set(gps)].sort());
  });
});

/**
 * The same hospital example serving Basisgegevens Langdurige Zorg (61) through its passthrough,
 * with the synthetic demo patients as the EHR's data: the BgLZ care-plan search with its includes
 * and the `_include:recurse` of the device, resolved by batched `_id` reads upstream.
 */
describeHospital('config/examples/hospital-fhir.yaml serving BgLZ (61) through the FHIR passthrough', () => {
  const TOKEN_L = 'noord-bglz-token-0000001';
  const PATIENT = 'demo-patient-van-leeuwen';
  let hospital: HospitalExample;

  beforeAll(async () => {
    const data = await loadDataset('STU3', new Date(), builtInDemoData.STU3);
    hospital = await startHospitalExample(data, 'noordlz', { token: TOKEN_L, patientRef: PATIENT, services: ['61'] });
  }, 30_000);
  afterAll(async () => hospital?.close());

  const search = (query: string) => get(`${hospital.urls.node}/ziekenhuis-noord/61/fhir/${query}`, hospital.tls, TOKEN_L);

  test('the BgLZ care plan comes with its goal, outcome measurement, medical device and that device', async () => {
    const answer = await search(
      'CarePlan?_include=CarePlan:activity-goal:Goal&_include=CarePlan:activity-outcomereference:Observation' +
        '&_include=CarePlan:activity-medicaldevice:DeviceUseStatement&_include:recurse=DeviceUseStatement:device:Device',
    );
    expect(answer.status).toBe(200);
    expect(answer.body['total']).toBe(1);
    expect(idsOf(answer.body, 'match')).toEqual(['CarePlan/demo-careplan-van-leeuwen-1']);
    expect(idsOf(answer.body, 'include')).toEqual([
      'Device/demo-device-van-leeuwen-1',
      'DeviceUseStatement/demo-medicaldevice-van-leeuwen-1',
      'Goal/demo-goal-van-leeuwen-1',
      'Observation/demo-bodyweight-van-leeuwen-1',
    ]);
    const upstream = hospital.fhir.requests;
    expect(upstream.some((r) => r.startsWith('GET /fhir/CarePlan?') && r.includes(`patient=${PATIENT}`))).toBe(true);
    // Include targets are fetched as `_id` searches, the device in a second round (recurse).
    expect(upstream.some((r) => r.startsWith('GET /fhir/Goal?') && r.includes('_id=demo-goal-van-leeuwen-1'))).toBe(true);
    expect(upstream.some((r) => r.startsWith('GET /fhir/Device?') && r.includes('_id=demo-device-van-leeuwen-1'))).toBe(true);
    expect(JSON.stringify(answer.body)).not.toContain(hospital.fhir.url);
  });

  test('care team with its members, allergies and problems: exactly the patient\'s', async () => {
    const team = await search('CareTeam?_include=CareTeam:participant');
    expect([team.status, idsOf(team.body, 'match'), idsOf(team.body, 'include')]).toEqual([
      200, ['CareTeam/demo-careteam-van-leeuwen-1'], ['Practitioner/demo-practitioner-bakker'],
    ]);
    const allergies = await search('AllergyIntolerance');
    expect([allergies.status, idsOf(allergies.body, 'match')]).toEqual([200, ['AllergyIntolerance/demo-allergy-van-leeuwen-1']]);
    const problems = await search('Condition');
    expect([problems.status, idsOf(problems.body, 'match')]).toEqual([200, ['Condition/demo-condition-van-leeuwen-1']]);
  });

  test('a BgZ-only search is not part of BgLZ: 400 with an OperationOutcome, nothing asked upstream', async () => {
    const before = hospital.fhir.requests.length;
    const answer = await search('Immunization?status=completed');
    expect([answer.status, answer.body['resourceType']]).toEqual([400, 'OperationOutcome']);
    expect(hospital.fhir.requests.slice(before).filter((r) => r.includes('/Immunization'))).toEqual([]);
  });
});

/**
 * config/examples/vvt-sql.yaml: a long-term-care client record system on PostgreSQL serving
 * Overgevoeligheden (54). Its tables are created from the example's own vvt-sql-schema.sql in a
 * schema of their own; the rows are two clients' allergies.
 */
describeLab('config/examples/vvt-sql.yaml (allergies from PostgreSQL) as a running gateway', () => {
  const TOKEN_V = 'zorggroep-oost-token-00001';
  let db: PgSchema;
  let gateway: Gateway;
  let urls: GatewayAddresses;
  let dir: string;
  let tls: Tls;

  beforeAll(async () => {
    db = await createPgSchema(undefined, 'vvtex');
    await db.query(`SET search_path TO ${db.schema}`);
    await db.query(await readFile(fromProjectRoot('config', 'examples', 'vvt-sql-schema.sql'), 'utf8'));
    await db.query(`INSERT INTO ${db.schema}.client VALUES ('vo-1', '999911120', 'Marieke de Graaf'), ('vo-2', '999990020', 'Joost van Leeuwen')`);
    await db.query(`INSERT INTO ${db.schema}.allergy VALUES
      ('al-1', 'vo-1', 'A', 'MED', 'H', '91936005', 'Allergie voor penicilline', '2019-05-02'),
      ('al-2', 'vo-1', 'O', 'VOE', NULL, '91935009', 'Allergie voor pinda', '2021-11-20'),
      ('al-3', 'vo-1', 'I', 'OMG', 'L', '232347008', 'Allergie voor huisstofmijt', '2015-01-09'),
      ('al-4', 'vo-2', 'A', 'MED', 'L', '294505008', 'Allergie voor amoxicilline', '2020-03-14')`);

    dir = await mkdtemp(path.join(os.tmpdir(), 'example-vvt-'));
    const example = fromProjectRoot('config', 'examples', 'vvt-sql.yaml');
    const doc = YAML.parseDocument(await readFile(example, 'utf8'));
    localise(doc, dir, `vvtex-${process.pid}-${Date.now()}:`);
    doc.setIn(['adapters', 0, 'connection'], { host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres', password: '${env:ECD_DB_PASSWORD}', searchPath: db.schema });
    doc.set('qualification', { tokens: [{ token: TOKEN_V, patientRef: 'vo-1', provider: 'zorggroep-oost', services: ['54'] }] });
    const config = parseConfig(doc.toString(), { file: example, env: { ...ENV, ECD_DB_PASSWORD: 'unused-trust-auth' } });
    gateway = await createGateway(config, { configDir: path.dirname(example), log: createSilentLogger(), audit: new MemoryAuditLog() });
    urls = await gateway.listen();
    tls = await pgoTls(dir);
  }, 30_000);

  afterAll(async () => {
    await gateway?.close(1000);
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const ask = (query: string) => get(`${urls.node}/zorggroep-oost/54/fhir/${query}`, tls, TOKEN_V);

  test('AllergyIntolerance: the client\'s three allergies, newest first, mapped from the rows', async () => {
    const answer = await ask('AllergyIntolerance');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 3 });
    const resources = (answer.body['entry'] as Array<{ resource: Json }>).map((e) => e.resource);
    expect(resources.map((r) => r['id'])).toEqual(['al-2', 'al-1', 'al-3']);
    expect(resources[1]).toEqual({
      resourceType: 'AllergyIntolerance',
      id: 'al-1',
      meta: { profile: ['http://nictiz.nl/fhir/StructureDefinition/zib-AllergyIntolerance'] },
      verificationStatus: 'confirmed',
      clinicalStatus: 'active',
      category: ['medication'],
      criticality: 'high',
      code: { coding: [{ system: 'http://snomed.info/sct', code: '91936005', display: 'Allergie voor penicilline' }] },
      patient: { reference: 'Patient/vo-1', display: 'Marieke de Graaf' },
      assertedDate: '2019-05-02',
    });
    expect(resources.map((r) => [r['clinicalStatus'], r['category'], r['criticality']])).toEqual([
      ['resolved', ['food'], undefined], ['active', ['medication'], 'high'], ['inactive', ['environment'], 'low'],
    ]);
  });

  test('another client\'s allergy is not found by id; a search outside allergy-3 is refused', async () => {
    expect((await ask('AllergyIntolerance/al-4')).status).toBe(404);
    expect((await ask('AllergyIntolerance/al-1')).status).toBe(200);
    const refused = await ask('AllergyIntolerance?category=medication');
    expect([refused.status, refused.body['resourceType']]).toEqual([400, 'OperationOutcome']);
  });
});
