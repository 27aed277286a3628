import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { RedisStore } from '../../gateway/storage/index.js';
import { createTestPki } from '../helpers/certs.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { benchHandshakes } from './handshake.js';
import { describeMachine, formatReport, median, pairedRatio, rateWithRounds, round2, toJson, type BenchReport, type Section } from './report.js';
import { benchEdge, type EdgeResult } from './edge.js';
import { benchFhirBackend, type FhirBackendResult } from './fhir-backend.js';
import { benchManyObservations, type ManyObservationsResult } from './many-observations.js';
import { benchTokenGrants } from './token-grants.js';

/**
 * `npm run bench`, each part bounded in time, on loopback only. Prints a table and, last, one JSON
 * line; writes the same JSON to ./bench-results.json. Ratios are only meaningful within one run.
 * Process benchmarks (each server and the load generator in a process of its own):
 *   1. the edge: whole gateway vs a bare node:https server, same bytes, same two-sided TLS;
 *   2. in front of a FHIR backend that takes 5 ms per call;
 *   3. a patient with 10,000 Observations.
 * In-process micro-benchmarks (client and server share this process: figures are relative only):
 *   4. full mTLS handshakes with the Whitelist check on vs off; 5. token grants with Redis;
 *   6. the passthrough and SQL adapters vs their backends called directly.
 * `--quick` shortens every round (for trying the runner, not for figures); `--only=edge,backend,…`
 * runs a subset; `--edge-paths=Condition,…` only the edge paths that contain one of these; `--cpu-prof=DIR` writes a CPU profile of the edge, the FHIR backend and the Observations benches' gateway processes there, `--alloc-prof=DIR` a sampling profile of what they allocate (alloc-sampler.ts);
 * `--soak` runs the 10,000-Observation patient for 10 minutes.
 */
const quick = process.argv.includes('--quick');
const soak = process.argv.includes('--soak');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const edgePaths = process.argv.find((a) => a.startsWith('--edge-paths='))?.slice('--edge-paths='.length).split(',').filter((p) => p !== '');
const cpuProfDir = process.argv.find((a) => a.startsWith('--cpu-prof='))?.slice('--cpu-prof='.length);
const allocProfDir = process.argv.find((a) => a.startsWith('--alloc-prof='))?.slice('--alloc-prof='.length);
const wanted = (part: string) => !only || only.includes(part);
const PLAN = {
  // 10 s of warm-up per side and path: the gateway's JIT is still compiling its hot paths for several
  // seconds (after a 2 s warm-up its first FHIR search round ran 1809/s against 2258/s in its third).
  edge: { rounds: quick ? 1 : 3, roundS: quick ? 1 : 5, warmupS: quick ? 1 : 10, connections: 16, pacedRounds: quick ? 1 : 3 },
  backend: { roundS: quick ? 1 : 5, rounds: quick ? 1 : 3, warmupS: quick ? 1 : 10 },
  observations: { count: 10_000, durationS: soak ? 600 : quick ? 3 : 60 },
  handshakes: { rounds: quick ? 2 : 5, roundMs: quick ? 500 : 2000 },
  tokens: { codes: quick ? 30 : 1200, prepareConcurrency: 4, prepareBudgetMs: quick ? 10_000 : 30_000, concurrency: 4, exchangeBudgetMs: 10_000 },
  passthrough: { rounds: quick ? 1 : 3, durationMs: quick ? 500 : 1500, concurrency: 4 },
};
/** The whole run stops by itself after this long, whatever hangs. */
const WATCHDOG_MS = soak ? 1_200_000 : 900_000;
const REDIS_URL = 'redis://127.0.0.1:6379';
const ALLOC_SAMPLER = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'alloc-sampler.js')).href;
const RESULTS_FILE = path.resolve(process.cwd(), 'bench-results.json');

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

async function handshakesSection(): Promise<Section> {
  const key = 'handshakes';
  const title = '4. [in-process micro-benchmark] Full mTLS handshakes/s on the node interface: whitelist check on vs off';
  const pki = await createTestPki();
  try {
    const on: number[] = [];
    const off: number[] = [];
    let count = 0;
    for (let round = 0; round < PLAN.handshakes.rounds; round++) {
      // Alternate which side goes first, so drift on a shared machine hits both alike.
      for (const guard of round % 2 === 0 ? [true, false] : [false, true]) {
        const r = await benchHandshakes({ durationMs: PLAN.handshakes.roundMs, guard, pki });
        (guard ? on : off).push(r.handshakesPerSecond);
        count += r.count;
      }
      log(`handshakes round ${round + 1}/${PLAN.handshakes.rounds}`);
    }
    const onMedian = median(on);
    const offMedian = median(off);
    const ratio = onMedian / offMedian;
    const paired = pairedRatio(on, off);
    return {
      key,
      title,
      rows: [
        ['check on', rateWithRounds(onMedian, on)],
        ['check off', rateWithRounds(offMedian, off)],
        ['ratio on/off', `${fixed(ratio, 3)}  (median of per-round ratios ${fixed(paired, 3)}; the check costs ${fixed((1 - paired) * 100)} % of handshake throughput, negative = within noise)`],
        ['setup', `${PLAN.handshakes.rounds} alternating rounds of ${PLAN.handshakes.roundMs} ms per side, 4 clients, no resumption, ${count} handshakes`],
      ],
      data: { onPerSecond: round2(onMedian), offPerSecond: round2(offMedian), ratio: Math.round(ratio * 1000) / 1000, pairedRatio: Math.round(paired * 1000) / 1000, roundsOn: on.map(round2), roundsOff: off.map(round2), roundMs: PLAN.handshakes.roundMs, handshakes: count },
    };
  } finally {
    await pki.cleanup();
  }
}

async function tokenGrantsSection(gw: TestGateway | undefined, storage: string): Promise<Section> {
  const key = 'tokenGrants';
  const title = '5. [in-process micro-benchmark] Token grants/s (authorization code exchange) with Redis';
  if (!gw || storage !== 'redis') {
    return { key, title, rows: [['skipped', `no Redis answering at ${REDIS_URL}`]], data: { skipped: `no Redis answering at ${REDIS_URL}` } };
  }
  const r = await benchTokenGrants(gw, PLAN.tokens);
  return {
    key,
    title,
    rows: [
      ['grants/s', `${fixed(r.grantsPerSecond)}/s  (${r.grants} exchanges in ${fixed(r.seconds, 2)} s, ${PLAN.tokens.concurrency} keep-alive mTLS connections)`],
      ['latency p50 / p95', `${fixed(r.p50Ms)} ms / ${fixed(r.p95Ms)} ms  (mean ${fixed(r.meanMs)} ms)`],
      ['preparation (untimed)', `${r.prepared} codes through authorize → DigiD simulator → consent in ${fixed(r.prepareSeconds)} s`],
    ],
    data: {
      storage: 'redis',
      grantsPerSecond: round2(r.grantsPerSecond),
      p50Ms: round2(r.p50Ms),
      p95Ms: round2(r.p95Ms),
      meanMs: round2(r.meanMs),
      grants: r.grants,
      seconds: round2(r.seconds),
      concurrency: PLAN.tokens.concurrency,
      prepared: r.prepared,
    },
  };
}

const EDGE_TITLE = '1. The edge: whole gateway (npm start, own process) vs bare node:https (own process), same bytes, same two-sided TLS';

function edgeSection(r: EdgeResult): Section {
  const rows: Array<readonly [string, string]> = [];
  for (const p of r.paths) {
    rows.push(
      [`${p.path} gateway`, `${rateWithRounds(p.gatewayRps, p.gateway.map((x) => x.rps))}  p99 ${fixed(p.gatewayP99Ms)} ms`],
      [`${p.path} bare`, `${rateWithRounds(p.bareRps, p.bare.map((x) => x.rps))}  p99 ${fixed(p.bareP99Ms)} ms`],
      [`${p.path} ratio`, `${fixed(p.ratio, 3)}  (median of per-round gateway/bare; p99 ${fixed(p.gatewayP99Ms / p.bareP99Ms, 1)}× bare; ${p.bytes} bytes per answer)`],
      [`${p.path} CPU per request`, `gateway ${p.gatewayCpuUs} µs, bare ${p.bareCpuUs} µs: ratio bare/gateway ${fixed(p.cpuRatio, 3)} (process CPU time over the rounds, steadier than req/s on a shared machine)`],
      [`${p.path} log bytes`, `${p.logBytesPerRequest.app} B application log + ${p.logBytesPerRequest.audit} B audit log per request (info level, to files)`],
    );
    const paced = p.paced;
    if (paced && 'error' in paced) rows.push([`${p.path} at one rate`, `not measured: ${paced.error}`]);
    else if (paced) {
      rows.push([
        `${p.path} at ${paced.ratePerS}/s`,
        `p50 ${fixed(paced.gatewayP50Ms, 2)} ms, p99 ${fixed(paced.gatewayP99Ms, 2)} ms; bare p50 ${fixed(paced.bareP50Ms, 2)} ms, p99 ${fixed(paced.bareP99Ms, 2)} ms: p99 ${fixed(paced.gatewayP99Ms / paced.bareP99Ms, 1)}× bare (the same rate offered to both, open loop, at most half the gateway's throughput; rounds: gateway ${paced.gateway.map((x) => fixed(x.p99Ms, 2)).join(', ')}, bare ${paced.bare.map((x) => fixed(x.p99Ms, 2)).join(', ')})`,
      ]);
    }
  }
  rows.push(
    ['gateway RSS', `${r.gatewayRssMiB.start ?? 'n/a'} MiB at start, ${r.gatewayRssMiB.end ?? 'n/a'} MiB at end`],
    ['setup', `autocannon in its own process, ${PLAN.edge.connections} keep-alive connections, ${PLAN.edge.rounds} alternating rounds of ${PLAN.edge.roundS} s per side after ${PLAN.edge.warmupS} s warm-up, then ${PLAN.edge.pacedRounds} alternating rounds per side at one fixed rate (undici, open loop, same connections); token from the real OAuth flow; demo EHR, memory storage`],
  );
  const perPath = Object.fromEntries(
    r.paths.map((p) => [
      p.path,
      {
        label: p.label,
        gatewayPerSecond: round2(p.gatewayRps),
        barePerSecond: round2(p.bareRps),
        ratio: Math.round(p.ratio * 1000) / 1000,
        gatewayP99Ms: p.gatewayP99Ms,
        bareP99Ms: p.bareP99Ms,
        p99OverBare: round2(p.gatewayP99Ms / p.bareP99Ms),
        gatewayCpuUsPerRequest: p.gatewayCpuUs,
        bareCpuUsPerRequest: p.bareCpuUs,
        cpuRatio: p.cpuRatio,
        bytes: p.bytes,
        logBytesPerRequest: p.logBytesPerRequest,
        roundsGateway: p.gateway.map((x) => round2(x.rps)),
        roundsBare: p.bare.map((x) => round2(x.rps)),
        ...(p.paced && 'error' in p.paced ? { paced: { error: p.paced.error } } : {}),
        ...(p.paced && !('error' in p.paced)
          ? {
              paced: {
                ratePerS: p.paced.ratePerS,
                gatewayP50Ms: p.paced.gatewayP50Ms,
                gatewayP99Ms: p.paced.gatewayP99Ms,
                bareP50Ms: p.paced.bareP50Ms,
                bareP99Ms: p.paced.bareP99Ms,
                p99OverBare: round2(p.paced.gatewayP99Ms / p.paced.bareP99Ms),
                roundsGatewayP99Ms: p.paced.gateway.map((x) => x.p99Ms),
                roundsBareP99Ms: p.paced.bare.map((x) => x.p99Ms),
              },
            }
          : {}),
      },
    ]),
  );
  return { key: 'edge', title: EDGE_TITLE, rows, data: { paths: perPath, gatewayRssMiB: r.gatewayRssMiB, plan: PLAN.edge } };
}
const FHIR_BACKEND_TITLE = '2. In front of a FHIR backend with 5 ms per call: MP9 medication-agreement search with its 7 _includes';

function fhirBackendSection(r: FhirBackendResult): Section {
  return {
    key: 'fhirBackend',
    title: FHIR_BACKEND_TITLE,
    rows: [
      ['upstream round trips', `${r.upstreamCalls} per search  (${r.matches} matches, ${r.includes} included resources; goal ≤ 2)`],
      ['gateway p50', `${fixed(r.gatewayP50Ms, 2)} ms  (rounds: ${r.gateway.map((x) => fixed(x.p50Ms, 2)).join(', ')}; p99 ${fixed(median(r.gateway.map((x) => x.p99Ms)), 2)} ms)`],
      ['backend direct p50', `${fixed(r.directP50Ms, 2)} ms  (the gateway's first upstream call, sent straight to the backend)`],
      ['added by the gateway', `${fixed(r.addedP50Ms, 2)} ms at p50  (goal ≤ 2 ms)`],
      ['bare TLS proxy p50', `${fixed(r.proxyP50Ms, 2)} ms, adding ${fixed(r.proxyAddedP50Ms, 2)} ms  (rounds: ${r.proxy.map((x) => fixed(x.p50Ms, 2)).join(', ')}; the same upstream call through a node:https server with the same two-sided TLS that only copies the answer: one more hop at this rate)`],
      ['gateway beyond the proxy', `${fixed(r.gatewayP50Ms - r.proxyP50Ms, 2)} ms at p50  (token, policy, adapter, search, includes, Bundle, audit)`],
      ['setup', `backend, gateway and bare proxy in processes of their own, one request at a time over one keep-alive connection, ${PLAN.backend.rounds} rotating rounds of ${PLAN.backend.roundS} s after ${PLAN.backend.warmupS} s warm-up per side; data: ${r.dataset}`],
    ],
    data: {
      delayMs: r.delayMs,
      search: r.search,
      matches: r.matches,
      includes: r.includes,
      upstreamCalls: r.upstreamCalls,
      upstreamCallsSeen: r.upstreamCallsSeen,
      gatewayP50Ms: r.gatewayP50Ms,
      directP50Ms: r.directP50Ms,
      addedP50Ms: r.addedP50Ms,
      proxyP50Ms: r.proxyP50Ms,
      proxyAddedP50Ms: r.proxyAddedP50Ms,
      beyondProxyP50Ms: round2(r.gatewayP50Ms - r.proxyP50Ms),
      roundsProxyP50Ms: r.proxy.map((x) => x.p50Ms),
      roundsGatewayP50Ms: r.gateway.map((x) => x.p50Ms),
      roundsDirectP50Ms: r.direct.map((x) => x.p50Ms),
      dataset: r.dataset,
    },
  };
}

const MANY_OBSERVATIONS_TITLE = '3. A patient with 10,000 Observations (demo EHR): $lastn and a date-window search, RSS over the run';

function manyObservationsSection(r: ManyObservationsResult): Section {
  return {
    key: 'manyObservations',
    title: MANY_OBSERVATIONS_TITLE,
    rows: [
      ['$lastn (BgZ lab results)', `p50 ${fixed(r.lastn.p50Ms)} ms, p99 ${fixed(r.lastn.p99Ms)} ms, max ${fixed(r.lastn.maxMs)} ms  (${r.lastn.count} searches; goal ≤ 200 ms; the first ${fixed(r.lastn.firstMs)} ms, the rest at most ${fixed(r.lastn.maxAfterFirstMs)} ms)`],
      ['date window (GP, 14 months)', `p50 ${fixed(r.dateWindow.p50Ms)} ms, p99 ${fixed(r.dateWindow.p99Ms)} ms, max ${fixed(r.dateWindow.maxMs)} ms  (${r.dateWindow.count} searches; the first ${fixed(r.dateWindow.firstMs)} ms, the rest at most ${fixed(r.dateWindow.maxAfterFirstMs)} ms)`],
      ['gateway CPU per search', `${r.cpuMsPerSearch ?? 'n/a'} ms  (process CPU time over the run / searches, both kinds; steadier than latency on a shared machine)`],
      ['gateway RSS', `${r.rssMiB.start ?? 'n/a'} MiB at start, ${r.rssMiB.afterTenth ?? 'n/a'} MiB after a tenth of the run, ${r.rssMiB.end ?? 'n/a'} MiB at end, max ${r.rssMiB.max ?? 'n/a'} MiB (${r.rssMiB.samples} samples)`],
      ['heap used after full GC', `${gcRow(r.afterGc.start)} at start, ${gcRow(r.afterGc.tenth)} after a tenth, ${gcRow(r.afterGc.half)} at half, ${gcRow(r.afterGc.end)} at end`],
      ['memory', `${r.memory.verdict}: heap used after GC ${r.memory.heapGrowthMiB >= 0 ? '+' : ''}${r.memory.heapGrowthMiB} MiB from the tenth to the end (${r.memory.heapGrowthMiBPerMinute} MiB/min; flat: within max(1 MiB, 3 %))`],
      ['setup', `${r.observations} synthetic Observations, one search at a time from a separate process for ${r.durationS} s (--soak: 600 s)`],
    ],
    data: { ...r },
  };
}

const gcRow = (g: ManyObservationsResult['afterGc']['start']) => `${g.heapUsedMiB} MiB (RSS ${g.rssMiB} MiB, GC ${g.gcMs} ms)`;

interface PassthroughModule {
  benchPassthrough(opts: { durationMs: number; concurrency: number }): Promise<{ directRps: number; viaAdapterRps: number }>;
  benchSql(opts: { durationMs: number; concurrency: number }): Promise<{ directRps: number; viaAdapterRps: number }>;
}

/** Another helper writes passthrough.ts; a non-literal specifier lets this runner build without it. */
async function loadPassthrough(): Promise<PassthroughModule | undefined> {
  const specifier = './passthrough.js';
  try {
    const mod = (await import(specifier)) as Partial<PassthroughModule>;
    return typeof mod.benchPassthrough === 'function' && typeof mod.benchSql === 'function' ? (mod as PassthroughModule) : undefined;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

/** passthrough.ts loads the Nictiz fixtures when ../shared holds them, else the demo patients. */
async function passthroughDataset(): Promise<string> {
  const specifier = '../integration/adapters-backends.js';
  try {
    const mod = (await import(specifier)) as { haveNictiz?: unknown };
    return mod.haveNictiz === true ? 'Nictiz test fixtures (../shared)' : 'demo patients';
  } catch {
    return 'unknown';
  }
}

async function passthroughSection(): Promise<{ section: Section; failed: boolean }> {
  const key = 'passthrough';
  const title = '6. [in-process micro-benchmark] FHIR passthrough adapter vs direct backend; SQL adapter vs direct SQL';
  const mod = await loadPassthrough();
  if (!mod) {
    console.log('passthrough bench not available');
    return { section: { key, title, rows: [['skipped', 'passthrough bench not available']], data: { skipped: 'passthrough bench not available' } }, failed: false };
  }
  const rows: Array<readonly [string, string]> = [];
  const data: Record<string, unknown> = { durationMs: PLAN.passthrough.durationMs, concurrency: PLAN.passthrough.concurrency };
  let failed = false;
  for (const [name, run] of [
    ['fhir', mod.benchPassthrough],
    ['sql', mod.benchSql],
  ] as const) {
    const label = name === 'fhir' ? 'FHIR' : 'SQL';
    try {
      const direct: number[] = [];
      const adapter: number[] = [];
      // Each call measures direct then via the adapter; repeated calls interleave the two.
      for (let round = 0; round < PLAN.passthrough.rounds; round++) {
        const r = await run({ durationMs: PLAN.passthrough.durationMs, concurrency: PLAN.passthrough.concurrency });
        direct.push(r.directRps);
        adapter.push(r.viaAdapterRps);
        log(`${label} passthrough round ${round + 1}/${PLAN.passthrough.rounds}`);
      }
      const ratio = median(adapter) / median(direct);
      const paired = pairedRatio(adapter, direct);
      rows.push(
        [`${label} direct`, rateWithRounds(median(direct), direct)],
        [`${label} via adapter`, rateWithRounds(median(adapter), adapter)],
        [`${label} ratio adapter/direct`, `${fixed(ratio, 3)}  (median of per-round ratios ${fixed(paired, 3)})`],
      );
      data[name] = { directPerSecond: round2(median(direct)), viaAdapterPerSecond: round2(median(adapter)), ratio: Math.round(ratio * 1000) / 1000, pairedRatio: Math.round(paired * 1000) / 1000, roundsDirect: direct.map(round2), roundsAdapter: adapter.map(round2) };
    } catch (error) {
      failed = true;
      rows.push([`${label} error`, (error as Error).message]);
      data[name] = { error: (error as Error).message };
    }
  }
  const dataset = await passthroughDataset();
  data['dataset'] = dataset;
  rows.push(['setup', `${PLAN.passthrough.rounds} rounds of ${PLAN.passthrough.durationMs} ms per side, concurrency ${PLAN.passthrough.concurrency}, data: ${dataset} (benchPassthrough / benchSql)`]);
  return { section: { key, title, rows, data }, failed };
}

async function redisAnswers(prefix: string): Promise<boolean> {
  const probe = new RedisStore({ url: REDIS_URL, keyPrefix: prefix, connectTimeoutMs: 2000, commandTimeoutMs: 2000, log: createSilentLogger() });
  try {
    await probe.ready(2000);
    return await probe.ping();
  } catch {
    return false;
  } finally {
    await probe.close().catch(() => undefined);
  }
}

/** Deletes every key the run wrote under its own prefix (SCAN + UNLINK). */
async function clearRedisPrefix(prefix: string): Promise<number> {
  const store = new RedisStore({ url: REDIS_URL, keyPrefix: prefix, connectTimeoutMs: 2000, commandTimeoutMs: 5000, log: createSilentLogger() });
  try {
    await store.ready(2000);
    return await store.clearPrefix();
  } finally {
    await store.close();
  }
}

function errorSection(key: string, title: string, error: unknown): Section {
  const message = error instanceof Error ? error.message : String(error);
  return { key, title, rows: [['error', message]], data: { error: message } };
}

async function main(): Promise<number> {
  const machine = describeMachine();
  const report: BenchReport = { startedAt: new Date().toISOString(), machine, sections: [] };
  let failed = false;
  const attempt = async (key: string, title: string, run: () => Promise<Section>) => {
    try {
      report.sections.push(await run());
    } catch (error) {
      failed = true;
      report.sections.push(errorSection(key, title, error));
    }
  };

  log(`start (${quick ? 'quick' : 'full'} plan); load average ${os.loadavg().map(round2).join(' ')}`);
  const profArgs = [
    ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(cpuProfDir)}`] : []),
    ...(allocProfDir ? [`--import=${ALLOC_SAMPLER}?dir=${encodeURIComponent(path.resolve(allocProfDir))}`] : []),
  ];
  const nodeArgs = profArgs.length > 0 ? profArgs : undefined;
  if (wanted('edge')) {
    log('edge: gateway vs bare node:https');
    await attempt('edge', EDGE_TITLE, async () => edgeSection(await benchEdge({ ...PLAN.edge, ...(nodeArgs ? { gatewayNodeArgs: nodeArgs } : {}), ...(edgePaths ? { pathFilter: edgePaths } : {}) }, log)));
  }
  if (wanted('backend')) {
    log('FHIR backend with 5 ms per call');
    await attempt('fhirBackend', FHIR_BACKEND_TITLE, async () => fhirBackendSection(await benchFhirBackend({ ...PLAN.backend, ...(nodeArgs ? { gatewayNodeArgs: nodeArgs } : {}) }, log)));
  }
  if (wanted('observations')) {
    log(`patient with ${PLAN.observations.count} Observations`);
    await attempt('manyObservations', MANY_OBSERVATIONS_TITLE, async () => manyObservationsSection(await benchManyObservations({ ...PLAN.observations, ...(nodeArgs ? { gatewayNodeArgs: nodeArgs } : {}) }, log)));
  }
  if (wanted('handshakes')) await attempt('handshakes', '4. [in-process micro-benchmark] Full mTLS handshakes/s on the node interface: whitelist check on vs off', handshakesSection);

  if (wanted('tokens')) {
    // A composed gateway in this process with Redis (as in production) under a key prefix of its
    // own that is deleted afterwards.
    const prefix = `bench:${randomBytes(6).toString('hex')}:`;
    const storage = (await redisAnswers(prefix)) ? 'redis' : 'memory';
    if (storage === 'memory') log(`no Redis at ${REDIS_URL}: token grants skipped`);
    let gw: TestGateway | undefined;
    if (storage === 'redis') {
      try {
        gw = await startTestGateway({ storageYaml: `{ kind: redis, url: "${REDIS_URL}", keyPrefix: "${prefix}" }` });
      } catch (error) {
        failed = true;
        log(`the gateway did not start: ${(error as Error).message}`);
      }
    }
    try {
      log('token grants');
      await attempt('tokenGrants', '5. [in-process micro-benchmark] Token grants/s (authorization code exchange) with Redis', () => tokenGrantsSection(gw, storage));
    } finally {
      await gw?.close();
      if (storage === 'redis') log(`removed ${await clearRedisPrefix(prefix)} Redis keys under ${prefix}`);
    }
  }

  if (wanted('passthrough')) {
    log('passthrough');
    try {
      const r = await passthroughSection();
      report.sections.push(r.section);
      failed ||= r.failed;
    } catch (error) {
      failed = true;
      report.sections.push(errorSection('passthrough', '6. [in-process micro-benchmark] FHIR passthrough adapter vs direct backend; SQL adapter vs direct SQL', error));
    }
  }

  machine.loadAtEnd = os.loadavg().map(round2);
  console.log(formatReport(report));
  const json = toJson(report);
  await writeFile(RESULTS_FILE, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`\nwrote ${RESULTS_FILE}`);
  console.log(JSON.stringify(json));
  return failed ? 1 : 0;
}

const watchdog = setTimeout(() => {
  process.stderr.write(`[bench] stopped: the run took longer than ${WATCHDOG_MS / 1000} s\n`);
  process.exit(2);
}, WATCHDOG_MS);
watchdog.unref();

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`[bench] failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
