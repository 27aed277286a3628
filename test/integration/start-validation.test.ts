import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../gateway/config/index.js';
import { checkDeployment, DeploymentError } from '../../gateway/check-deployment.js';
import { createGateway } from '../../gateway/gateway.js';
import { MemoryAuditLog } from '../../gateway/observability/audit.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { fromProjectRoot } from '../../gateway/project-root.js';
import { testGatewayYaml } from '../helpers/gateway.js';

/**
 * Start runs the same deployment validator as check-config (issue 13): a deployment it refuses
 * does not start (instead of answering 502 on every request or failing without naming the key),
 * and both name the same config paths.
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'medmij-start-validation-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function yaml(options: { services: string; adapters: string; clientCaFile?: string }): string {
  return testGatewayYaml(
    { certsDir: `${dir}/certs`, listsDir: fromProjectRoot('config', 'lists', 'dev') },
    { servicesYaml: options.services, adaptersYaml: options.adapters, ...(options.clientCaFile ? { clientCaFile: options.clientCaFile } : {}) },
  );
}

async function both(text: string): Promise<{ checked: string[]; started: string[] }> {
  const file = path.join(dir, 'gateway.yaml');
  await writeFile(file, text);
  const config = parseConfig(text, { file, env: {} });
  let started: string[] = [];
  try {
    const gw = await createGateway(config, { configDir: dir, log: createSilentLogger(), audit: new MemoryAuditLog() });
    await gw.close(100);
  } catch (err) {
    if (!(err instanceof DeploymentError)) throw err;
    expect(err.code).toBe('GW_ERR_CONFIG_INVALID');
    started = [...err.problems];
  }
  // check-config also parses the list files; start leaves them to the list manager.
  const result = await checkDeployment(config, dir);
  return { checked: result.ok ? [] : result.errors, started };
}

test('a service on an adapter of the other FHIR version does not start, named by its key', async () => {
  const out = await both(
    yaml({
      services: '      - { id: "48", standard: bgz-3, fhirVersion: STU3, adapter: ehr-fhir }',
      adapters: '  - { id: ehr-fhir, kind: fhir, baseUrl: "https://127.0.0.1:9/fhir", fhirVersion: R4, resourceTypes: [Condition] }',
    }),
  );
  expect(out.started).toEqual([expect.stringMatching(/^providers\[0\]\.services\[0\]\.fhirVersion: adapter "ehr-fhir" serves R4, not STU3$/)]);
  expect(out.checked).toEqual(out.started);
});

test('a missing tls.clientCaFile outside the generated development PKI is named by both', async () => {
  const out = await both(
    yaml({
      services: '      - { id: "48", standard: bgz-3, fhirVersion: STU3, adapter: demo-ehr }',
      adapters: '  - { id: demo-ehr, kind: demo }',
      clientCaFile: `${dir}/elsewhere/medmij-ca.pem`,
    }),
  );
  expect(out.started).toEqual([`tls.clientCaFile: file ${dir}/elsewhere/medmij-ca.pem does not exist or is not readable`]);
  expect(out.checked).toEqual(out.started);
});

test('a valid deployment starts', async () => {
  const out = await both(
    yaml({ services: '      - { id: "48", standard: bgz-3, fhirVersion: STU3, adapter: demo-ehr }', adapters: '  - { id: demo-ehr, kind: demo }' }),
  );
  expect(out).toEqual({ checked: [], started: [] });
});
