import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import YAML from 'yaml';
import { compartmentPatients } from '../../adapters/index.js';
import type { FhirVersion, Resource } from '../../adapters/types.js';
import { parseConfig } from '../../gateway/config/index.js';
import { parseFhirXml } from '../../gateway/fhir/fhir-xml.js';
import { createGateway, type Gateway } from '../../gateway/gateway.js';
import { MemoryAuditLog } from '../../gateway/observability/audit.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { devPkiFiles } from '../../gateway/pki/index.js';
import { fromProjectRoot } from '../../gateway/project-root.js';
import { assertMedMijAnswer } from '../helpers/fhir-answer-checks.js';
import {
  BGZ_CASES,
  BGZ_PAT_A,
  BGZ_PAT_B,
  MP9_BLOCKS,
  MP9_CASES,
  MP9_PATIENT_COUNT,
  NICTIZ_LOAD_DATE,
  listMp9Patients,
} from '../helpers/nictiz-cases.js';
import { fixturesRoot, haveFixtures } from './nictiz-harness.js';

/**
 * Every BgZ 3.x and MP9 3.0 search of shared/medmij/QUERIES.md through the composed gateway in
 * qualification mode (config/gateway.qualification.yaml), over mTLS with the listed PGO
 * certificate and a static token per test patient, in JSON and in XML. Each answer gets the exact
 * counts of nictiz-cases.ts (worked out from the fixtures) and the checks of "What every answer is
 * checked for"; the XML answer must carry the same entries as the JSON one.
 */
const configFile = fromProjectRoot('config', 'gateway.qualification.yaml');
const fixtures = fixturesRoot;
if (!haveFixtures) console.warn(`qualification-http tests skipped: no Nictiz fixtures at ${fixtures}`);
const describeWithFixtures = haveFixtures ? describe : describe.skip;

const PROVIDER = 'demoziekenhuis';
const BGZ_SERVICE = '48';
const MP9_SERVICE = 'mp9-3.0';
/** Requests in flight at once: enough to overlap I/O, few enough for 2 shared cores. */
const PARALLEL = 4;

type Json = Record<string, unknown>;
interface EntrySummary {
  readonly type: string;
  readonly id: string;
  readonly mode: string;
}
interface Counted {
  readonly matches: number;
  readonly includes: number;
  readonly total: number;
}

const entriesOf = (bundle: Json): Json[] => (Array.isArray(bundle['entry']) ? (bundle['entry'] as Json[]) : []);

function summarise(bundle: Json): EntrySummary[] {
  return entriesOf(bundle).map((e) => {
    const r = (e['resource'] ?? {}) as Json;
    const search = (e['search'] ?? {}) as Json;
    return { type: String(r['resourceType']), id: String(r['id']), mode: String(search['mode']) };
  });
}

function selfLink(bundle: Json): string | undefined {
  const links = Array.isArray(bundle['link']) ? (bundle['link'] as Json[]) : [];
  const url = links.find((l) => l['relation'] === 'self')?.['url'];
  return typeof url === 'string' ? url : undefined;
}

/** Each name=value pair of the request, as often as it was sent (repeated `_include`s count). */
function pairCounts(url: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [k, v] of new URL(url).searchParams) counts.set(`${k}=${v}`, (counts.get(`${k}=${v}`) ?? 0) + 1);
  return counts;
}

/** Runs fn over items with at most `limit` calls in flight; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A qualification token of the shape the config accepts (RFC 6750 b64token, ≥ 16 characters). */
const newToken = (i: number): string => `qual-${i}-${randomBytes(12).toString('hex')}`;

describeWithFixtures('every qualification query through the gateway in qualification mode', () => {
  const mp9Patients = haveFixtures ? listMp9Patients(fixtures) : [];
  const tokens = new Map<string, string>();
  let gateway: Gateway;
  let nodeUrl: string;
  let dir: string;
  let agent: Agent;
  const audit = new MemoryAuditLog();
  let requests = 0;
  const startedAt = Date.now();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'medmij-qual-http-'));
    const yaml = YAML.parse(await readFile(configFile, 'utf8')) as Json;
    const listeners = yaml['listeners'] as Record<string, Json>;
    for (const l of Object.values(listeners)) l['port'] = 0;
    (yaml['operations'] as Json)['port'] = 0;
    // generateDevCertificates writes a fresh PKI (private keys included) into the temp dir only.
    const pki = devPkiFiles(dir);
    Object.assign(yaml['tls'] as Json, { certFile: pki.gatewayCert, keyFile: pki.gatewayKey, clientCaFile: pki.caCert });
    const adapters = yaml['adapters'] as Json[];
    const nictiz = adapters.find((a) => a['id'] === 'nictiz');
    if (!nictiz) throw new Error('config/gateway.qualification.yaml has no nictiz adapter block');
    // A fixed T so that the ${DATE, T, …} windows give the counts of nictiz-cases.ts.
    nictiz['loadDate'] = NICTIZ_LOAD_DATE;
    yaml['logging'] = { level: 'silent' };

    const entries: Json[] = [];
    for (const patientRef of [BGZ_PAT_A, BGZ_PAT_B]) {
      tokens.set(patientRef, newToken(entries.length));
      entries.push({ token: tokens.get(patientRef), patientRef, provider: PROVIDER, services: [BGZ_SERVICE] });
    }
    for (const patientRef of mp9Patients) {
      tokens.set(patientRef, newToken(entries.length));
      entries.push({ token: tokens.get(patientRef), patientRef, provider: PROVIDER, services: [MP9_SERVICE] });
    }
    yaml['qualification'] = { tokens: entries };

    const config = parseConfig(YAML.stringify(yaml), { file: configFile, env: {} });
    gateway = await createGateway(config, { configDir: path.dirname(configFile), log: createSilentLogger(), audit });
    nodeUrl = (await gateway.listen()).node;
    agent = new Agent({
      connections: PARALLEL,
      keepAliveTimeout: 30_000,
      connect: {
        ca: await readFile(pki.caCert, 'utf8'),
        cert: await readFile(pki.pgoListedCert, 'utf8'),
        key: await readFile(pki.pgoListedKey, 'utf8'),
        servername: 'localhost',
      },
    });
  });

  afterAll(async () => {
    await agent?.close();
    await gateway?.close(1000);
    if (dir) await rm(dir, { recursive: true, force: true });
    console.warn(`qualification-http: ${requests} HTTP requests in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  });

  async function fetchAnswer(url: string, token: string, format: 'json' | 'xml', version: FhirVersion): Promise<Json> {
    const traceId = randomUUID();
    requests += 1;
    const res = await request(url, {
      dispatcher: agent,
      headers: {
        authorization: `Bearer ${token}`,
        accept: `application/fhir+${format}`,
        'medmij-request-id': traceId,
        'x-correlation-id': 'qualification-http',
      },
    });
    const text = await res.body.text();
    // Written before the answer is sent (router checkCompartment), so no race with this check.
    expect(audit.ofType('compartment_violation').filter((e) => e.traceId === traceId)).toEqual([]);
    if (res.statusCode !== 200) throw new Error(`${format} ${url}: status ${res.statusCode}: ${text.slice(0, 500)}`);
    expect(String(res.headers['content-type'])).toContain(`application/fhir+${format}`);
    expect(res.headers['medmij-request-id']).toBe(traceId);
    return (format === 'json' ? JSON.parse(text) : parseFhirXml(text, version)) as Json;
  }

  /**
   * One search in JSON and in XML for one patient: both answers pass the MedMij checks, carry
   * the same entries and total, repeat every request parameter in the self link, hold only the
   * patient's own resources, and raise no compartment_violation alarm in the audit trail.
   * Returns the counts for the caller to compare.
   */
  async function ask(service: string, version: FhirVersion, patientRef: string, query: string): Promise<Counted> {
    const token = tokens.get(patientRef);
    if (token === undefined) throw new Error(`no token generated for ${patientRef}`);
    const url = `${nodeUrl}/${PROVIDER}/${service}/fhir/${query}`;
    const [json, xml] = await Promise.all([fetchAnswer(url, token, 'json', version), fetchAnswer(url, token, 'xml', version)]);
    for (const bundle of [json, xml]) {
      assertMedMijAnswer(bundle, { url, patientRef });
      const self = selfLink(bundle);
      expect(self).toBeDefined();
      const sent = pairCounts(url);
      const echoed = pairCounts(self!);
      for (const [pair, n] of sent) expect({ pair, n: echoed.get(pair) ?? 0 }).toEqual({ pair, n });
    }
    expect(summarise(xml)).toEqual(summarise(json));
    expect(xml['total']).toEqual(json['total']);

    const resources = entriesOf(json).map((e) => ({ mode: (e['search'] as Json)['mode'], r: e['resource'] as Resource }));
    for (const { mode, r } of resources) {
      // Matches belong to the token's patient alone; includes may be shared (practitioners) but never another patient's.
      if (mode === 'match') expect({ r: `${r.resourceType}/${r.id}`, of: compartmentPatients(r) }).toEqual({ r: `${r.resourceType}/${r.id}`, of: [patientRef] });
      else expect(compartmentPatients(r).filter((p) => p !== patientRef)).toEqual([]);
    }
    return {
      matches: resources.filter((x) => x.mode === 'match').length,
      includes: resources.filter((x) => x.mode === 'include').length,
      total: json['total'] as number,
    };
  }

  it('has a token for both BgZ patients and every MP9 test patient', () => {
    expect(mp9Patients).toHaveLength(MP9_PATIENT_COUNT);
    expect(tokens.size).toBe(2 + MP9_PATIENT_COUNT);
  });

  describe('BgZ 3.x (service 48, STU3)', () => {
    for (const [query, matchA, incA, matchB, incB] of BGZ_CASES) {
      for (const [patientRef, matches, includes] of [[BGZ_PAT_A, matchA, incA], [BGZ_PAT_B, matchB, incB]] as const) {
        it(`${patientRef}: ${query}`, async () => {
          expect(await ask(BGZ_SERVICE, 'STU3', patientRef, query)).toEqual({ matches, includes, total: matches });
        });
      }
    }
  });

  describe('MP9 3.0 building blocks (service mp9-3.0, R4), summed over all 39 patients', () => {
    for (const [query, total] of MP9_BLOCKS) {
      it(query, async () => {
        const got = await mapLimit(mp9Patients, PARALLEL / 2, (p) => ask(MP9_SERVICE, 'R4', p, query));
        for (const c of got) expect(c.total).toBe(c.matches);
        expect(got.reduce((sum, c) => sum + c.matches, 0)).toBe(total);
      });
    }
  });

  describe('MP9 3.0 variants (service mp9-3.0, R4)', () => {
    for (const [patientRef, query, matches, includes] of MP9_CASES) {
      it(`${patientRef}: ${query}`, async () => {
        expect(await ask(MP9_SERVICE, 'R4', patientRef, query)).toEqual({ matches, includes, total: matches });
      });
    }
  });
});
