import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { builtInDemoData } from '../../adapters/index.js';
import { runLoad } from './edge.js';
import type { LoadOutput } from './load-worker.js';
import { cpuSeconds, startGatewayProcess } from './processes.js';
import { accessTokenFor, BENCH_BSN, pgoTargetOf } from './token-grants.js';

/**
 * Bench 3: one patient with 10,000 Observations in the demo EHR (synthetic, generated here: half
 * laboratory results with LOINC codes, half NHG table 45 measurements, spread over ten years).
 * A BgZ `$lastn` of the laboratory results and a GP date-window search (the last 14 months)
 * alternate, one at a time from a separate process, for the run's duration; the gateway's RSS is
 * sampled every second. `--soak` makes the run 10 minutes (the issue's "memory flat" check).
 */
export interface ManyObservationsResult {
  readonly observations: number;
  readonly durationS: number;
  readonly lastn: { readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number; readonly count: number };
  readonly dateWindow: { readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number; readonly count: number };
  /** The gateway's CPU time per search over the run (steadier than latency on a shared machine). */
  readonly cpuMsPerSearch: number | undefined;
  readonly rssMiB: { readonly start: number | undefined; readonly afterTenth: number | undefined; readonly end: number | undefined; readonly max: number | undefined; readonly samples: number };
}

const PATIENT_FILE = 'Patient-demo-patient-de-graaf.json';
const PATIENT_REF = 'Patient/demo-patient-de-graaf';
const PER_FILE = 1000;
const LAB = { system: 'http://snomed.info/sct', code: '275711006' };
const NHG45 = 'https://referentiemodel.nhg.org/tabellen/nhg-tabel-45-diagnostische-bepalingen';
const DAY_MS = 86_400_000;

/** Writes the patient and `count` Observations as Bundles of PER_FILE into `dir`. */
async function writeDataset(dir: string, count: number, now: Date): Promise<void> {
  await copyFile(path.join(builtInDemoData.STU3, PATIENT_FILE), path.join(dir, PATIENT_FILE));
  for (let file = 0; file * PER_FILE < count; file++) {
    const entry = [];
    for (let i = file * PER_FILE; i < Math.min(count, (file + 1) * PER_FILE); i++) {
      const lab = i % 2 === 0;
      const when = new Date(now.getTime() - Math.floor((i / count) * 3650) * DAY_MS - (i % 24) * 3_600_000);
      entry.push({
        resource: {
          resourceType: 'Observation',
          id: `bench-obs-${i}`,
          status: 'final',
          ...(lab ? { category: [{ coding: [LAB] }] } : {}),
          code: { coding: [lab ? { system: 'http://loinc.org', code: `${1000 + (i % 40)}-${i % 10}` } : { system: NHG45, code: String(100 + (i % 40)) }] },
          subject: { reference: PATIENT_REF },
          effectiveDateTime: when.toISOString(),
          valueQuantity: { value: (i % 97) + 0.5, unit: 'mmol/l', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
        },
      });
    }
    await writeFile(path.join(dir, `Observations-${String(file).padStart(3, '0')}.json`), JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry }));
  }
}

export async function benchManyObservations(opts: { readonly count: number; readonly durationS: number; readonly gatewayNodeArgs?: readonly string[] }, progress: (line: string) => void): Promise<ManyObservationsResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'medmij-bench-obs-'));
  try {
    const now = new Date();
    await writeDataset(dir, opts.count, now);
    const gw = await startGatewayProcess({
      servicesYaml: `      - { id: "48", standard: bgz-3, fhirVersion: STU3, adapter: demo-ehr }
      - { id: "49", standard: gp-2, fhirVersion: STU3, adapter: demo-ehr }`,
      adaptersYaml: `  - { id: demo-ehr, kind: demo, datasets: { STU3: ["${dir}"] } }`,
      ...(opts.gatewayNodeArgs ? { nodeArgs: opts.gatewayNodeArgs } : {}),
    });
    try {
      const target = await pgoTargetOf(gw);
      const token = await accessTokenFor(target, BENCH_BSN);
      const headers = { authorization: `Bearer ${token.accessToken}`, accept: 'application/fhir+json', 'x-correlation-id': token.sessionId };
      const since = new Date(now.getTime() - 425 * DAY_MS).toISOString().slice(0, 10);
      const urls = [
        `${gw.node}/fhir/demoziekenhuis/48/Observation/$lastn?category=${encodeURIComponent(`${LAB.system}|${LAB.code}`)}`,
        `${gw.node}/fhir/demoziekenhuis/49/Observation?code=${encodeURIComponent(`${NHG45}|`)}&date=ge${since}`,
      ];
      const samples: number[] = [];
      const start = await gw.rssMiB();
      const timer = setInterval(() => void gw.rssMiB().then((r) => r !== undefined && samples.push(r)), 1000);
      let r: LoadOutput;
      const cpuBefore = await cpuSeconds(gw.pid);
      try {
        r = await runLoad({ mode: 'latency', urls, connections: 1, durationS: opts.durationS, headers, tls: { ca: gw.pki.caCert, cert: gw.pki.pgoListedCert, key: gw.pki.pgoListedKey } });
      } finally {
        clearInterval(timer);
      }
      const cpuAfter = await cpuSeconds(gw.pid);
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`many Observations: ${r.non2xx} non-2xx answers and ${r.errors} errors`);
      const [lastn, dateWindow] = r.perUrl ?? [];
      if (!lastn || !dateWindow) throw new Error('many Observations: the load generator returned no per-search figures');
      progress(`many Observations: $lastn p50 ${lastn.p50Ms} ms, date window p50 ${dateWindow.p50Ms} ms`);
      const pick = ({ p50Ms, p99Ms, maxMs, count }: typeof lastn) => ({ p50Ms, p99Ms, maxMs, count });
      return {
        observations: opts.count,
        durationS: opts.durationS,
        lastn: pick(lastn),
        dateWindow: pick(dateWindow),
        cpuMsPerSearch: cpuBefore !== undefined && cpuAfter !== undefined && r.requests > 0 ? Math.round(((cpuAfter - cpuBefore) * 1e5) / r.requests) / 100 : undefined,
        rssMiB: { start, afterTenth: samples[Math.floor(samples.length / 10)], end: samples.at(-1), max: samples.length ? Math.max(...samples) : undefined, samples: samples.length },
      };
    } finally {
      await gw.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
