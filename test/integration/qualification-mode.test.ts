import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, parseConfig } from '../../gateway/config/index.js';
import { createGateway, type Gateway, type GatewayAddresses } from '../../gateway/gateway.js';
import { MemoryAuditLog } from '../../gateway/observability/audit.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { devPkiFiles } from '../../gateway/pki/index.js';
import { fromProjectRoot } from '../../gateway/project-root.js';
import { assertMedMijAnswer } from '../helpers/fhir-answer-checks.js';
import { fhirGetJson } from '../helpers/fhir-get.js';
import { fixturesRoot, haveFixtures } from './nictiz-harness.js';

/**
 * Qualification mode as a vendor runs it: config/gateway.qualification.yaml, the Nictiz fixtures
 * from ../shared, the static tokens of the Nictiz scripts, through the composed gateway over mTLS.
 */
const configFile = fromProjectRoot('config', 'gateway.qualification.yaml');
const fixtures = fixturesRoot;
if (!haveFixtures) console.warn(`qualification-mode tests skipped: no Nictiz fixtures at ${fixtures}`);
const describeWithFixtures = haveFixtures ? describe : describe.skip;

const PAT_A_TOKEN = '0b7b1d7e-5f0a-4c36-9a59-4d3c1b6f0a01';
const DONGEN_TOKEN = '12c3813c-b72a-4928-98a6-5fe03467b470';

describe('qualification mode is refused outside mode: test', () => {
  it('reports the static tokens and the demo EHR when the file is switched to production', async () => {
    const text = (await readFile(configFile, 'utf8')).replace(/^mode: test$/m, 'mode: production');
    let error: unknown;
    try {
      parseConfig(text, { file: configFile, env: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const paths = (error as ConfigError).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['qualification.tokens', 'adapters[0].kind', 'storage.kind']));
  });
});

describeWithFixtures('qualification mode with the Nictiz fixtures', () => {
  let gateway: Gateway;
  let urls: GatewayAddresses;
  let dir: string;
  let tls: { ca: string; cert: string; key: string };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'medmij-qual-'));
    const text = (await readFile(configFile, 'utf8'))
      .replace(/port: \d+/g, 'port: 0')
      .replace(/\.\.\/certs\/dev\//g, `${dir}/`)
      .replace('storage: { kind: memory }', 'storage: { kind: memory }\nlogging: { level: silent }');
    const config = parseConfig(text, { file: configFile, env: {} });
    gateway = await createGateway(config, { configDir: path.dirname(configFile), log: createSilentLogger(), audit: new MemoryAuditLog() });
    urls = await gateway.listen();
    const pki = devPkiFiles(dir);
    tls = { ca: await readFile(pki.caCert, 'utf8'), cert: await readFile(pki.pgoListedCert, 'utf8'), key: await readFile(pki.pgoListedKey, 'utf8') };
  });

  afterAll(async () => {
    await gateway?.close(1000);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const search = (base: string, query: string, token: string) => fhirGetJson(`${urls.node}/demoziekenhuis/${base}/fhir/${query}`, tls, token);

  it('serves BgZ patient A to its static token, with the answer checks of the qualification', async () => {
    const answer = await search('48', 'Patient?_include=Patient:general-practitioner', PAT_A_TOKEN);
    expect(answer.status).toBe(200);
    const entries = answer.body['entry'] as Array<{ resource: { resourceType: string; id: string }; search: { mode: string } }>;
    expect(entries.filter((e) => e.search.mode === 'match').map((e) => e.resource.id)).toEqual(['medmij-bgz-test-patA']);
    assertMedMijAnswer(answer.body, {
      url: 'https://localhost:9443/demoziekenhuis/48/fhir/Patient?_include=Patient:general-practitioner',
      patientRef: 'medmij-bgz-test-patA',
    });
  });

  it('serves the MP9 medication agreements of an MP9 test patient, and nothing of another patient', async () => {
    const answer = await search('mp9-3.0', 'MedicationRequest?category=http://snomed.info/sct|33633005', DONGEN_TOKEN);
    expect(answer.status).toBe(200);
    const entries = (answer.body['entry'] ?? []) as Array<{ resource: { subject?: { reference?: string } } }>;
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) expect(e.resource.subject?.reference).toBe('Patient/nl-core-Patient-mp9-C-XXX-Dongen');
    assertMedMijAnswer(answer.body, {
      url: 'https://localhost:9443/demoziekenhuis/mp9-3.0/fhir/MedicationRequest?category=http://snomed.info/sct|33633005',
      patientRef: 'nl-core-Patient-mp9-C-XXX-Dongen',
    });
  });

  it('refuses a static token on a base it was not given for, and an unknown token', async () => {
    expect((await search('mp9-3.0', 'MedicationRequest?category=http://snomed.info/sct|33633005', PAT_A_TOKEN)).status).toBe(403);
    const unknown = await search('48', 'Condition', '00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(401);
  });
});
