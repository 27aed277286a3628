import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig, parseConfig, type GatewayConfig } from '../../gateway/config/index.js';
import { checkDeployment } from '../../gateway/check-deployment.js';
import { fromProjectRoot } from '../../gateway/project-root.js';

/**
 * The deep deployment check (`medmij-gateway check-config`, second stage) on the shipped configs,
 * on a config with one mistake of each kind, and through the built CLI.
 */
const run = promisify(execFile);
const ENV = {
  REDIS_URL: 'redis://127.0.0.1:6379', OIDC_CLIENT_SECRET: 'x', OAUTH_COOKIE_KEY: 'k'.repeat(40),
  EPD_CLIENT_SECRET: 'x', HIS_API_TOKEN: 'x', LIMS_DB_PASSWORD: 'x', ECD_DB_PASSWORD: 'x', EHR_FHIR_TOKEN: 'x',
};
const devLists = fromProjectRoot('config', 'lists', 'dev');
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'check-deployment-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function check(file: string, env: NodeJS.ProcessEnv = ENV) {
  return checkDeployment(await loadConfig(file, env), path.dirname(file));
}

/** The files of `paths` that are absent on this machine, as the check words them. */
function missing(entries: Array<[string, string]>): string[] {
  return entries.filter(([, f]) => !existsSync(f)).map(([where, f]) => `${where}: file ${f} does not exist or is not readable`);
}

describe('the shipped configs', () => {
  test('config/gateway.yaml passes: catalogues bgz-3, mp9-3.0, vitals-2, immunization-2, mp-9.0.7, allergy-3, ggz-2, bglz-3, dev lists parse, dev PKI is generated at start', async () => {
    const result = await check(fromProjectRoot('config', 'gateway.yaml'));
    expect(result).toEqual({ ok: true, summary: expect.stringContaining('8 query catalogue(s), 1 adapter block(s)') });
  });

  test('config/gateway.example.yaml: every absent TLS, list-fetch and key file is reported by its path', async () => {
    const result = await check(fromProjectRoot('config', 'gateway.example.yaml'));
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    // The example's own-catalogue folder is a deployment mount: absent here, named by its key.
    expect(errors).toContain('standards.folder: folder /etc/medmij-gateway/standards does not exist or is not readable');
    expect(errors.filter((e) => !e.startsWith('adapters[') && !e.startsWith('standards.'))).toEqual(
      missing([
        ['tls.certFile', '/certs/node.crt'],
        ['tls.keyFile', '/certs/node.key'],
        ['tls.clientCaFile', '/certs/pkioverheid-private-g1-bundle.pem'],
        ['tls.patientCertFile', '/certs/patient.crt'],
        ['tls.patientKeyFile', '/certs/patient.key'],
        ['lists.fetch.caFile', '/certs/list-server-ca.pem'],
        ['lists.fetch.clientCertFile', '/certs/node.crt'],
        ['lists.fetch.clientKeyFile', '/certs/node.key'],
        ['oauth.keysFile', '/etc/medmij-gateway/secrets/oauth-keys.json'],
      ]),
    );
    // The example's `kind: fhir` block is abbreviated to id and kind; whatever it lacks is named
    // under adapters[0] (the fhir kind's schema), never anywhere else.
    for (const e of errors.filter((x) => x.startsWith('adapters['))) expect(e).toMatch(/^adapters\[0\]\.\w+: /);
  });

  test.each(['hospital-fhir.yaml', 'gp-xml.yaml', 'lab-sql.yaml', 'vvt-sql.yaml'])('config/examples/%s: only its /certs files are reported', async (name) => {
    const result = await check(fromProjectRoot('config', 'examples', name));
    const expected = missing([['tls.certFile', '/certs/gateway.crt'], ['tls.keyFile', '/certs/gateway.key'], ['tls.clientCaFile', '/certs/medmij-ca.pem']]);
    expect(result).toEqual(expected.length === 0 ? { ok: true, summary: expect.any(String) } : { ok: false, errors: expected });
  });

  test.each([
    ['hospital-fhir.yaml', 'bgz-3', 'DeviceRequest, ImmunizationRecommendation'],
    ['gp-xml.yaml', 'gp-2', 'Patient, EpisodeOfCare, Composition, MedicationRequest, Observation'],
    ['lab-sql.yaml', 'lab-2', undefined],
    ['vvt-sql.yaml', 'allergy-3', undefined],
  ])('config/examples/%s with its TLS files in place passes; searches its adapter cannot serve are noted', async (name, standard, unserved) => {
    const text = (await readFile(fromProjectRoot('config', 'examples', name), 'utf8')).replace(/\/certs\//g, `${tmp}/`);
    for (const f of ['gateway.crt', 'gateway.key', 'medmij-ca.pem']) await writeFile(path.join(tmp, f), 'placeholder\n');
    const file = path.join(tmp, name);
    await writeFile(file, text);
    const result = await check(file);
    expect(result.ok).toBe(true);
    const summary = result.ok ? result.summary : '';
    expect(summary).toContain(` ${standard}`);
    if (unserved === undefined) expect(summary).not.toContain('note:');
    else expect(summary).toContain(`serves no ${unserved}; those searches of "${standard}" will fail`);
  });
});

const BASE = (services: string, adapters: string, extra = '') => `
mode: test
tls: { certFile: certs/gateway.crt, keyFile: certs/gateway.key, clientCaFile: certs/ca.crt, generateDevCertificates: true }
lists:
  whitelist: { source: ${devLists}/MedMij_Whitelist.xml }
  oauthClientList: { source: ${devLists}/MedMij_OAuthclientlist.xml }
  zorgaanbiederslijst: { source: ${devLists}/MedMij_Zorgaanbiederslijst.xml }
  gegevensdienstnamenlijst: { source: ${devLists}/MedMij_Gegevensdienstnamenlijst.xml }
providers:
  - name: demoziekenhuis
    displayName: Demo
    supportPhone: "+31 20 555 0100"
    services:
${services}
adapters:
${adapters}
${extra}`;

const LAB_SQL = `  - id: lab
    kind: sql
    fhirVersion: STU3
    connection: { host: 127.0.0.1, database: test, user: postgres }
    resources: {}
    mappings: {}`;

function parse(name: string, text: string): { file: string; config: GatewayConfig } {
  const file = path.join(tmp, name);
  return { file, config: parseConfig(text, { file, env: {} }) };
}

describe('mistakes', () => {
  test('an unknown standard, a version mismatch and a bad adapter block are all reported with their paths', async () => {
    const text = BASE(
      [
        '      - { id: "48", standard: bgz-3, fhirVersion: R4, adapter: demo }',
        '      - { id: "49", standard: gp-9, fhirVersion: STU3, adapter: demo }',
        '      - { id: "46", standard: lab-2, fhirVersion: STU3, adapter: lab }',
      ].join('\n'),
      `  - { id: demo, kind: demo }\n${LAB_SQL}\n    bogus: 1\n  - { id: files, kind: demo, datasets: { STU3: [./no-such-folder] } }`,
    );
    const { file, config } = parse('bad.yaml', text);
    expect(await checkDeployment(config, path.dirname(file))).toEqual({
      ok: false,
      errors: [
        'providers[0].services[0].fhirVersion: R4 does not match query catalogue "bgz-3" (STU3)',
        'providers[0].services[1].standard: no query catalogue "gp-9" in config/standards',
        'adapters[1].bogus: unknown key',
        `adapters[2].datasets.STU3[0]: folder ${path.join(tmp, 'no-such-folder')} does not exist or is not readable`,
      ],
    });
  });

  test('an adapter of the other FHIR version, a list file of the wrong kind, a missing list file', async () => {
    const text = BASE('      - { id: "46", standard: lab-2, fhirVersion: STU3, adapter: lab }', LAB_SQL.replace('fhirVersion: STU3', 'fhirVersion: R4'))
      .replace('MedMij_Whitelist.xml', 'MedMij_OAuthclientlist.xml')
      .replace(`${devLists}/MedMij_Zorgaanbiederslijst.xml`, `${tmp}/absent.xml`);
    const { file, config } = parse('lists.yaml', text);
    expect(await checkDeployment(config, path.dirname(file))).toEqual({
      ok: false,
      errors: [
        'providers[0].services[0].fhirVersion: adapter "lab" serves R4, not STU3',
        'lists.whitelist.source: holds a oauthClientList list, not a whitelist list',
        `lists.zorgaanbiederslijst.source: file ${tmp}/absent.xml does not exist or is not readable`,
      ],
    });
  });

  test('a broken list file is refused with the list parser\'s reason', async () => {
    await writeFile(path.join(tmp, 'broken.xml'), '<Whitelist xmlns="xmlns://afsprakenstelsel.medmij.nl/whitelist/release2/"><Tijdstempel>x</Tijdstempel>');
    const text = BASE('      - { id: "48", standard: bgz-3, fhirVersion: STU3, adapter: demo }', '  - { id: demo, kind: demo }').replace(`${devLists}/MedMij_Whitelist.xml`, `${tmp}/broken.xml`);
    const { file, config } = parse('broken.yaml', text);
    const result = await checkDeployment(config, path.dirname(file));
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors).toEqual([expect.stringMatching(/^lists\.whitelist\.source: the list is refused: .+/)]);
  });

  test('qualification tokens naming an absent provider or service (a config built in code)', async () => {
    const text = BASE('      - { id: "48", standard: bgz-3, fhirVersion: STU3, adapter: demo }', '  - { id: demo, kind: demo }');
    const { file, config } = parse('tokens.yaml', text);
    const token = { token: 'a'.repeat(32), patientRef: 'p1', clientId: 'qualification' };
    const altered = {
      ...config,
      qualification: { tokens: [{ ...token, provider: 'elders', services: ['48'] }, { ...token, provider: 'demoziekenhuis', services: ['48', '99'] }] },
    } as GatewayConfig;
    expect(await checkDeployment(altered, path.dirname(file))).toEqual({
      ok: false,
      errors: ['qualification.tokens[0].provider: no provider "elders"', 'qualification.tokens[1].services[1]: provider "demoziekenhuis" has no service "99"'],
    });
  });

  test('GP data and Lab on the demo EHR pass: every parameter and _include of gp-2 and lab-2 is known to the engine', async () => {
    const text = BASE(
      ['      - { id: "49", standard: gp-2, fhirVersion: STU3, adapter: demo }', '      - { id: "46", standard: lab-2, fhirVersion: STU3, adapter: demo }'].join('\n'),
      '  - { id: demo, kind: demo }',
    );
    const { file, config } = parse('good.yaml', text);
    const result = await checkDeployment(config, path.dirname(file));
    expect(result).toEqual({ ok: true, summary: expect.stringContaining('services demoziekenhuis/49 gp-2, demoziekenhuis/46 lab-2') });
  });
});

describe('medmij-gateway check-config (built CLI)', () => {
  const cli = fromProjectRoot('dist', 'gateway', 'cli.js');

  beforeAll(async () => {
    // Build when dist is missing or older than the sources this test is about.
    const built = fromProjectRoot('dist', 'gateway', 'check-deployment.js');
    const sources = ['gateway/check-deployment.ts', 'gateway/cli.ts'].map((f) => statSync(fromProjectRoot(f)).mtimeMs);
    if (!existsSync(built) || !existsSync(cli) || statSync(built).mtimeMs < Math.max(...sources)) {
      // tsc emits even when another folder has type errors; the exit code is not ours to judge here.
      await run(process.execPath, [fromProjectRoot('node_modules', 'typescript', 'bin', 'tsc'), '-p', fromProjectRoot('tsconfig.build.json')], { cwd: fromProjectRoot() }).catch(() => undefined);
    }
    expect(existsSync(cli)).toBe(true);
  }, 240_000);

  async function cliRun(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [cli, 'check-config', file], { env: { ...process.env, ...ENV } });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  test('config/gateway.yaml: exit 0, schema and deployment summaries', async () => {
    const out = await cliRun(fromProjectRoot('config', 'gateway.yaml'));
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/valid \(mode development/);
    expect(out.stdout).toMatch(/deployment check passed/);
  });

  test('a schema-valid config with deployment mistakes: exit 1, one line per mistake with its path', async () => {
    const text = BASE('      - { id: "49", standard: gp-9, fhirVersion: STU3, adapter: demo }', `  - { id: demo, kind: demo }\n${LAB_SQL}\n    bogus: 1`);
    const file = path.join(tmp, 'cli-bad.yaml');
    await writeFile(file, text);
    const out = await cliRun(file);
    expect(out.code).toBe(1);
    // oidc-provider warns on stderr under Node 20 (it asks for 22+); that line is not ours.
    expect(out.stderr.trim().split('\n').filter((l) => !l.startsWith('oidc-provider WARNING'))).toEqual([
      `${file}: providers[0].services[0].standard: no query catalogue "gp-9" in config/standards`,
      `${file}: adapters[1].bogus: unknown key`,
    ]);
  });

  test('a schema error stops before the deployment check: exit 1', async () => {
    const file = path.join(tmp, 'cli-schema.yaml');
    await copyFile(fromProjectRoot('config', 'gateway.yaml'), file);
    await writeFile(file, `${await readFile(file, 'utf8')}\nunexpected: 1\n`);
    const out = await cliRun(file);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/unexpected: unknown key/);
    expect(out.stdout).toBe('');
  });
});
