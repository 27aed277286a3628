import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import YAML from 'yaml';
import type { FhirVersion, Resource } from '../../adapters/types.js';
import { parseConfig } from '../../gateway/config/index.js';
import { parseFhirXml } from '../../gateway/fhir/fhir-xml.js';
import { linkedPatientIds } from '../../gateway/fhir/search/index.js';
import { createGateway, type Gateway } from '../../gateway/gateway.js';
import { MemoryAuditLog } from '../../gateway/observability/audit.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { devPkiFiles } from '../../gateway/pki/index.js';
import { fromProjectRoot } from '../../gateway/project-root.js';
import { assertMedMijAnswer } from './fhir-answer-checks.js';
import { NICTIZ_LOAD_DATE } from './nictiz-cases.js';

/**
 * The composed gateway in qualification mode (config/gateway.qualification.yaml, unchanged but
 * for ports, a run-time PKI, a fixed load day T and fresh tokens) and a PGO that asks it over
 * mTLS, for the qualification suites of data services added after BgZ and MP9 3.0. Each answer
 * is fetched in JSON and in XML and gets the checks of shared/medmij/QUERIES.md.
 */
const PROVIDER = 'demoziekenhuis';
type Json = Record<string, unknown>;

export interface Counted {
  readonly matches: number;
  readonly includes: number;
  readonly total: number;
  /** Entries per resource type, matches and includes together (the Nictiz scripts count so). */
  readonly byType: Readonly<Record<string, number>>;
  /** Entries per `type|category code` (the MP 9.0.7 scripts count dispenses per category). */
  readonly byCategory?: Readonly<Record<string, number>>;
}

export interface QualificationGateway {
  /**
   * One search in JSON and in XML for one patient: both answers pass the MedMij checks, carry
   * the same entries and total, repeat every request parameter in the self link, hold only the
   * patient's own resources, and raise no compartment_violation alarm in the audit trail.
   */
  ask(service: string, version: FhirVersion, patientRef: string, query: string): Promise<Counted>;
  /** The patients that have a token. */
  readonly patientRefs: readonly string[];
  /** HTTP requests sent so far (two per ask). */
  readonly requests: number;
  close(): Promise<void>;
}

const entriesOf = (bundle: Json): Json[] => (Array.isArray(bundle['entry']) ? (bundle['entry'] as Json[]) : []);
const summarise = (bundle: Json): string[] =>
  entriesOf(bundle).map((e) => `${String((e['resource'] as Json)['resourceType'])}/${String((e['resource'] as Json)['id'])} ${String((e['search'] as Json | undefined)?.['mode'])}`);

/** The codes of a resource's category (one CodeableConcept or a list of them), each counted once. */
function categoryCodes(resource: Resource): Set<string> {
  const raw = (resource as unknown as Json)['category'];
  const concepts = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]) as Json[];
  const codings = concepts.flatMap((c) => (Array.isArray(c['coding']) ? (c['coding'] as Json[]) : []));
  return new Set(codings.map((c) => c['code']).filter((c): c is string => typeof c === 'string'));
}

function pairCounts(url: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [k, v] of new URL(url).searchParams) counts.set(`${k}=${v}`, (counts.get(`${k}=${v}`) ?? 0) + 1);
  return counts;
}

export interface QualificationOptions {
  /**
   * Serve the synthetic demo patients (adapters/demo/data) instead of the Nictiz sets, for data
   * services with no shared Nictiz data: the suites then need nothing from ../shared.
   */
  readonly synthetic?: boolean;
  /** Data services to add to the provider, served by the same adapter (`{ id, standard, fhirVersion }`). */
  readonly addServices?: ReadonlyArray<{ id: string; standard: string; fhirVersion: FhirVersion }>;
  /** Connections the PGO keeps to the node interface (default 2). */
  readonly connections?: number;
}

/** Starts the gateway with one static token per patient, each for the given services only. */
export async function startQualificationGateway(
  patients: ReadonlyArray<{ patientRef: string; services: readonly string[] }>,
  options: QualificationOptions = {},
): Promise<QualificationGateway> {
  const configFile = fromProjectRoot('config', 'gateway.qualification.yaml');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'medmij-qual-svc-'));
  const yaml = YAML.parse(await readFile(configFile, 'utf8')) as Json;
  for (const l of Object.values(yaml['listeners'] as Record<string, Json>)) l['port'] = 0;
  (yaml['operations'] as Json)['port'] = 0;
  // A fresh PKI (private keys included) in the temp dir only.
  const pki = devPkiFiles(dir);
  Object.assign(yaml['tls'] as Json, { certFile: pki.gatewayCert, keyFile: pki.gatewayKey, clientCaFile: pki.caCert });
  const nictiz = (yaml['adapters'] as Json[]).find((a) => a['id'] === 'nictiz');
  if (!nictiz) throw new Error('config/gateway.qualification.yaml has no nictiz adapter block');
  nictiz['loadDate'] = NICTIZ_LOAD_DATE;
  if (options.synthetic) delete nictiz['datasets'];
  const provider = (yaml['providers'] as Json[])[0]!;
  for (const s of options.addServices ?? []) (provider['services'] as Json[]).push({ ...s, adapter: 'nictiz' });
  yaml['logging'] = { level: 'silent' };
  const tokens = new Map<string, string>();
  yaml['qualification'] = {
    tokens: patients.map((p, i) => {
      tokens.set(p.patientRef, `qual-${i}-${randomBytes(12).toString('hex')}`);
      return { token: tokens.get(p.patientRef), patientRef: p.patientRef, provider: PROVIDER, services: p.services };
    }),
  };
  const audit = new MemoryAuditLog();
  const config = parseConfig(YAML.stringify(yaml), { file: configFile, env: {} });
  const gateway: Gateway = await createGateway(config, { configDir: path.dirname(configFile), log: createSilentLogger(), audit });
  const nodeUrl = (await gateway.listen()).node;
  const agent = new Agent({
    connections: options.connections ?? 2,
    keepAliveTimeout: 30_000,
    connect: {
      ca: await readFile(pki.caCert, 'utf8'),
      cert: await readFile(pki.pgoListedCert, 'utf8'),
      key: await readFile(pki.pgoListedKey, 'utf8'),
      servername: 'localhost',
    },
  });

  let requests = 0;
  async function fetchAnswer(url: string, token: string, format: 'json' | 'xml', version: FhirVersion): Promise<Json> {
    const traceId = randomUUID();
    requests += 1;
    const res = await request(url, {
      dispatcher: agent,
      headers: { authorization: `Bearer ${token}`, accept: `application/fhir+${format}`, 'medmij-request-id': traceId, 'x-correlation-id': 'qualification' },
    });
    const text = await res.body.text();
    // Written before the answer is sent (the router's compartment check), so no race with this check.
    expect(audit.ofType('compartment_violation').filter((e) => e.traceId === traceId)).toEqual([]);
    if (res.statusCode !== 200) throw new Error(`${format} ${url}: status ${res.statusCode}: ${text.slice(0, 500)}`);
    expect(String(res.headers['content-type'])).toContain(`application/fhir+${format}`);
    expect(res.headers['medmij-request-id']).toBe(traceId);
    return (format === 'json' ? JSON.parse(text) : parseFhirXml(text, version)) as Json;
  }

  return {
    patientRefs: [...tokens.keys()],
    get requests() {
      return requests;
    },
    async ask(service, version, patientRef, query) {
      const token = tokens.get(patientRef);
      if (token === undefined) throw new Error(`no token for ${patientRef}`);
      const url = `${nodeUrl}/${PROVIDER}/${service}/fhir/${query}`;
      const [json, xml] = await Promise.all([fetchAnswer(url, token, 'json', version), fetchAnswer(url, token, 'xml', version)]);
      for (const bundle of [json, xml]) {
        assertMedMijAnswer(bundle, { url, patientRef });
        const self = (Array.isArray(bundle['link']) ? (bundle['link'] as Json[]) : []).find((l) => l['relation'] === 'self')?.['url'];
        expect(typeof self).toBe('string');
        const echoed = pairCounts(self as string);
        for (const [pair, n] of pairCounts(url)) expect({ pair, n: echoed.get(pair) ?? 0 }).toEqual({ pair, n });
      }
      expect(summarise(xml)).toEqual(summarise(json));
      expect(xml['total']).toEqual(json['total']);
      const byType: Record<string, number> = {};
      const byCategory: Record<string, number> = {};
      let matches = 0;
      let includes = 0;
      for (const e of entriesOf(json)) {
        const r = e['resource'] as Resource;
        byType[r.resourceType] = (byType[r.resourceType] ?? 0) + 1;
        for (const code of categoryCodes(r)) byCategory[`${r.resourceType}|${code}`] = (byCategory[`${r.resourceType}|${code}`] ?? 0) + 1;
        const label = `${r.resourceType}/${r.id}`;
        if ((e['search'] as Json)['mode'] === 'match') {
          matches += 1;
          expect({ r: label, of: linkedPatientIds(version, r) }).toEqual({ r: label, of: [patientRef] });
        } else {
          includes += 1;
          expect({ r: label, other: linkedPatientIds(version, r).filter((p) => p !== patientRef) }).toEqual({ r: label, other: [] });
        }
      }
      // byCategory only where a resource carries a category, so counts of other suites compare whole.
      return { matches, includes, total: json['total'] as number, byType, ...(Object.keys(byCategory).length > 0 ? { byCategory } : {}) };
    },
    async close() {
      await agent.close();
      await gateway.close(1000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
