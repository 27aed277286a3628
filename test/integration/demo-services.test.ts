import { readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { fromProjectRoot } from '../../gateway/project-root.js';
import { runPgoClient, type PgoIo } from '../../gateway/pgo-client/index.js';
import { DEMO_PATIENTS } from '../../adapters/demo/built-in-data.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Every data service of the embedded defaults (config/gateway.yaml, what `npm start` serves) on
 * the synthetic demo EHR: the reference PGO client (`medmij-gateway pgo --bsn …`) runs each
 * service's catalogue for both demo patients over mTLS, every query answers 200, and every
 * service answers at least one query with resources, so each one can be shown working.
 */
interface ServiceRow { id: string; standard: string; fhirVersion: string }
let gw: TestGateway;
let services: ServiceRow[];

beforeAll(async () => {
  const yaml = YAML.parse(await readFile(fromProjectRoot('config', 'gateway.yaml'), 'utf8')) as { providers: Array<{ services: ServiceRow[] }> };
  services = yaml.providers[0]!.services;
  gw = await startTestGateway({
    servicesYaml: services.map((s) => `      - { id: "${s.id}", standard: ${s.standard}, fhirVersion: ${s.fhirVersion}, adapter: demo-ehr }`).join('\n'),
  });
});
afterAll(async () => gw?.close());

/** Per service, the number of queries and of queries with at least one match. */
function perService(text: string): Map<string, { queries: number; withMatches: number; failed: number }> {
  const out = new Map<string, { queries: number; withMatches: number; failed: number }>();
  let service = '';
  for (const line of text.split('\n')) {
    const header = /^Service (\S+) /.exec(line);
    if (header) service = header[1]!;
    const m = /^\s+(\d{3})\s+(\d+|-)\s+(\d+|-)\s+\d+ms  (\S+)  /.exec(line);
    if (!m) continue;
    const row = out.get(service) ?? { queries: 0, withMatches: 0, failed: 0 };
    row.queries += 1;
    if (m[1] !== '200') row.failed += 1;
    if (m[2] !== '-' && Number(m[2]) > 0) row.withMatches += 1;
    out.set(service, row);
  }
  return out;
}

test('the embedded defaults offer vital signs (52), vaccinations (63), MP 9.0.7 (31), allergies (54), GGZ (50) and BgLZ (61) besides BgZ and MP9', () => {
  expect(services.map((s) => [s.id, s.standard])).toEqual(
    expect.arrayContaining([['52', 'vitals-2'], ['63', 'immunization-2'], ['31', 'mp-9.0.7'], ['54', 'allergy-3'], ['50', 'ggz-2'], ['61', 'bglz-3']]),
  );
});

for (const patient of DEMO_PATIENTS) {
  test(`pgo --bsn for ${patient.name}: every configured service answers, each with resources`, async () => {
    let out = '';
    let err = '';
    const io: PgoIo = { out: (t) => void (out += t), err: (t) => void (err += t), input: process.stdin };
    const code = await runPgoClient(
      ['--config', path.join(gw.dir, 'gateway.yaml'), '--patient-url', gw.urls.patient, '--node-url', gw.urls.node,
        '--cert', gw.pki.pgoListedCert, '--key', gw.pki.pgoListedKey, '--ca', gw.pki.caCert, '--bsn', patient.bsn],
      io,
    );
    expect({ code, err: err.includes('medmij-gateway pgo:') ? err : '' }).toEqual({ code: 0, err: '' });
    const rows = perService(out);
    expect([...rows.keys()].sort()).toEqual(services.map((s) => s.id).sort());
    for (const [id, row] of rows) {
      expect({ id, failed: row.failed, hasResources: row.withMatches > 0 }).toEqual({ id, failed: 0, hasResources: true });
    }
    // MP 9.0.7 (31): every building block and every window of its catalogue finds something for
    // both patients (agreements, dispense requests, dispenses and administration agreements).
    const mp907 = rows.get('31');
    expect(mp907 && { queries: mp907.queries, withMatches: mp907.withMatches }).toEqual({ queries: 6, withMatches: 6 });
  });
}
