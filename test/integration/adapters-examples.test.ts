import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, checkConfigFile } from '../../gateway/config/index.js';
import { createAdapters, AdapterConfigError } from '../../adapters/registry.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { parseFhirXml } from '../../gateway/fhir/fhir-xml.js';
import { compartmentPatients } from '../../gateway/fhir/search/index.js';

/** config/examples: each worked example passes the config loader and builds its adapters (check-config). */
const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../config/examples');
const ENV = { REDIS_URL: 'redis://127.0.0.1:6379', OIDC_CLIENT_SECRET: 'x', OAUTH_COOKIE_KEY: 'k'.repeat(40), EPD_CLIENT_SECRET: 'x', HIS_API_TOKEN: 'x', LIMS_DB_PASSWORD: 'x', ECD_DB_PASSWORD: 'x' };

test.each([
  ['hospital-fhir.yaml', 'epd-fhir', 'Observation'],
  ['gp-xml.yaml', 'his-xml', 'AllergyIntolerance'],
  ['lab-sql.yaml', 'lims-sql', 'Observation'],
  ['vvt-sql.yaml', 'ecd-sql', 'AllergyIntolerance'],
])('%s loads and its adapter is built', async (file, id, type) => {
  const full = path.join(examples, file);
  const config = await loadConfig(full, ENV);
  const adapters = await createAdapters(config.adapters, { log: createSilentLogger(), baseDir: path.dirname(full), parseXml: parseFhirXml, compartment: compartmentPatients });
  const adapter = adapters.get(id);
  expect(adapter?.capabilities().resourceTypes).toContain(type);
  await adapter?.close();
  expect(await checkConfigFile(full, ENV)).toMatchObject({ ok: true });
});

test('a missing secret is named; registry errors name adapters[i].<key>', async () => {
  await expect(loadConfig(path.join(examples, 'lab-sql.yaml'), { REDIS_URL: 'redis://127.0.0.1:6379', OIDC_CLIENT_SECRET: 'x', OAUTH_COOKIE_KEY: 'k'.repeat(40) })).rejects.toThrow(/LIMS_DB_PASSWORD/);
  const err = await createAdapters(
    [
      { id: 'a', kind: 'sql', fhirVersion: 'R4', connection: { host: 'db', database: 'x', user: 'u' }, resources: {}, mappings: {}, bogus: 1 },
      { id: 'b', kind: 'fhir', baseUrl: 'ftp://x', fhirVersion: 'R4', resourceTypes: ['Patient'] },
      { id: 'c', kind: 'cobol' },
    ],
    { log: createSilentLogger(), baseDir: examples },
  ).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AdapterConfigError);
  expect((err as AdapterConfigError).issues.map((i) => i.path)).toEqual(['adapters[0].bogus', 'adapters[1].baseUrl', 'adapters[2].kind']);
});
