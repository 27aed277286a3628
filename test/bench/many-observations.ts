import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { builtInDemoData } from '../../adapters/index.js';
import { runLoad } from './edge.js';
import type { LoadOutput } from './load-worker.js';
import { HEAP_PROBE_FILE, HEAP_PROBE_SIGNAL, type HeapFigures } from './heap-probe.js';
import { cpuSeconds, sleep, startGatewayProcess, type GatewayProcess } from './processes.js';
import { percentile, round2 } from './report.js';
import { accessTokenFor, BENCH_BSN, pgoTargetOf } from './token-grants.js';

/**
 * Bench 3: one patient with 10,000 Observations in the demo EHR (synthetic, generated here: half
 * laboratory results with LOINC codes, half NHG table 45 measurements, spread over ten years).
 * A BgZ `$lastn` of the laboratory results and a GP date-window search (the last 14 months)
 * alternate, one at a time from a separate process, for the run's duration; the gateway's RSS is
 * sampled every second. `--soak` makes the run 10 minutes (the issue's "memory flat" check).
 *
 * RSS alone does not say whether memory is flat: V8 lets its heap grow towards a size it picks
 * from the machine's memory before it collects hard, so RSS climbs for minutes with nothing
 * leaking. The gateway is therefore started with a bench-only probe (heap-probe.ts) and the heap
 * in use after a forced full collection is read before the load, after a tenth of the run, at
 * half and at the end (the load pauses for each reading): that figure, from the tenth on (the first tenth builds the demo EHR's
 * indexes and warms the JIT), is what the verdict judges.
 */
export interface ManyObservationsResult {
  readonly observations: number;
  readonly durationS: number;
  readonly lastn: SearchLatency;
  readonly dateWindow: SearchLatency;
  /** The gateway's CPU time per search over the run (steadier than latency on a shared machine). */
  readonly cpuMsPerSearch: number | undefined;
  readonly rssMiB: { readonly start: number | undefined; readonly afterTenth: number | undefined; readonly end: number | undefined; readonly max: number | undefined; readonly samples: number };
  /** Heap used (and RSS) right after a forced full collection in the gateway, at four points of the run. */
  readonly afterGc: { readonly start: HeapFigures; readonly tenth: HeapFigures; readonly half: HeapFigures; readonly end: HeapFigures };
  /** `flat` or `growing`, by heap used after GC from the tenth to the end (see FLAT_TOLERANCE). */
  readonly memory: { readonly verdict: 'flat' | 'growing'; readonly heapGrowthMiB: number; readonly heapGrowthMiBPerMinute: number };
}

/**
 * Heap used after a full GC may differ by this much (fraction of the tenth's figure, or 1 MiB
 * whichever is larger) between the tenth and the end and still be flat: what is live at the
 * moment of the collection (a request in flight, a log buffer) varies a little; a structure that
 * grows per request does not stay within it over thousands of requests.
 */
const FLAT_TOLERANCE = 0.03;
const FLAT_MIN_MIB = 1;
const HEAP_PROBE = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'heap-probe.js')).href;
const PROBE_TIMEOUT_MS = 15_000;
/** The run's parts: readings after the first tenth, at half and at the end. */
const PART_SHARES = [0.1, 0.4, 0.5] as const;

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
      nodeArgs: ['--expose-gc', `--import=${HEAP_PROBE}`, ...(opts.gatewayNodeArgs ?? [])],
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
      const probe = heapProbeOf(gw);
      const gcStart = await probe();
      const start = await gw.rssMiB();
      const timer = setInterval(() => void gw.rssMiB().then((r) => r !== undefined && samples.push(r)), 1000);
      // The load runs in three parts with a heap reading between them: a forced full collection
      // stops the gateway for a few hundred ms, which must not show up as a search's latency.
      const parts: LoadOutput[] = [];
      const readings: HeapFigures[] = [];
      let cpuS = 0;
      try {
        for (const share of PART_SHARES) {
          const cpuBefore = await cpuSeconds(gw.pid);
          const part = await runLoad({ mode: 'latency', urls, connections: 1, durationS: share * opts.durationS, headers, keepSamples: true, tls: { ca: gw.pki.caCert, cert: gw.pki.pgoListedCert, key: gw.pki.pgoListedKey } });
          const cpuAfter = await cpuSeconds(gw.pid);
          cpuS += cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : Number.NaN;
          if (part.non2xx > 0 || part.errors > 0) throw new Error(`many Observations: ${part.non2xx} non-2xx answers and ${part.errors} errors`);
          parts.push(part);
          readings.push(await probe());
        }
      } finally {
        clearInterval(timer);
      }
      const [gcTenth, gcHalf, gcEnd] = readings as [HeapFigures, HeapFigures, HeapFigures];
      const lastn = latencyOf(parts, 0);
      const dateWindow = latencyOf(parts, 1);
      const requests = lastn.count + dateWindow.count;
      progress(`many Observations: $lastn p50 ${lastn.p50Ms} ms, date window p50 ${dateWindow.p50Ms} ms`);
      return {
        observations: opts.count,
        durationS: opts.durationS,
        lastn,
        dateWindow,
        cpuMsPerSearch: Number.isFinite(cpuS) && requests > 0 ? Math.round((cpuS * 1e5) / requests) / 100 : undefined,
        rssMiB: { start, afterTenth: samples[Math.floor(samples.length / 10)], end: samples.at(-1), max: samples.length ? Math.max(...samples) : undefined, samples: samples.length },
        afterGc: { start: gcStart, tenth: gcTenth, half: gcHalf, end: gcEnd },
        memory: memoryVerdict(gcTenth, gcEnd, opts.durationS * 0.9),
      };
    } finally {
      await gw.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * One search's latencies. The first search of each kind is also given alone: it builds the demo
 * EHR's index of the patient's resources (demo-store.ts) on a cold JIT, so it is the run's likely
 * maximum; `maxAfterFirstMs` tells it apart from a pause later on.
 */
export interface SearchLatency {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly count: number;
  readonly firstMs: number;
  readonly maxAfterFirstMs: number;
}

/** One search's latencies over all parts, merged sample by sample (the same nearest-rank percentiles as load-worker.ts). */
function latencyOf(parts: readonly LoadOutput[], url: number): SearchLatency {
  // In the order they were answered (load-worker.ts keeps them so).
  const inOrder = parts.flatMap((p) => p.perUrl?.[url]?.samplesMs ?? []);
  if (inOrder.length === 0) throw new Error('many Observations: the load generator returned no per-search figures');
  let maxAfterFirst = Number.NaN;
  for (let i = 1; i < inOrder.length; i++) if (!(inOrder[i]! <= maxAfterFirst)) maxAfterFirst = inOrder[i]!;
  const pct = (p: number) => round2(percentile(inOrder, p));
  return { p50Ms: pct(50), p99Ms: pct(99), maxMs: pct(100), count: inOrder.length, firstMs: round2(inOrder[0]!), maxAfterFirstMs: round2(maxAfterFirst) };
}

/** Asks the gateway's heap probe for one reading and waits for its line (heap-probe.ts). */
function heapProbeOf(gw: GatewayProcess): () => Promise<HeapFigures> {
  const file = path.join(path.dirname(gw.logFile), HEAP_PROBE_FILE);
  let asked = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const readOne = async (): Promise<HeapFigures> => {
    const wanted = ++asked;
    process.kill(gw.pid, HEAP_PROBE_SIGNAL);
    const deadline = Date.now() + PROBE_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const lines = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter((l) => l !== '');
      const line = lines[wanted - 1];
      if (line !== undefined) return JSON.parse(line) as HeapFigures;
      await sleep(50);
    }
    throw new Error(`the gateway's heap probe gave no reading within ${PROBE_TIMEOUT_MS / 1000} s (started without --expose-gc?)`);
  };
  // One reading at a time, so the nth line is the nth request's answer.
  return () => {
    const next = queue.then(readOne);
    queue = next.catch(() => undefined);
    return next;
  };
}

export function memoryVerdict(from: HeapFigures, to: HeapFigures, seconds: number): ManyObservationsResult['memory'] {
  const growth = Math.round((to.heapUsedMiB - from.heapUsedMiB) * 10) / 10;
  const tolerance = Math.max(FLAT_MIN_MIB, from.heapUsedMiB * FLAT_TOLERANCE);
  return {
    verdict: growth <= tolerance ? 'flat' : 'growing',
    heapGrowthMiB: growth,
    heapGrowthMiBPerMinute: seconds > 0 ? Math.round((growth / seconds) * 600) / 10 : 0,
  };
}
