import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { RedisStore } from '../../gateway/storage/index.js';
import { createTestPki } from '../helpers/certs.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { benchHandshakes } from './handshake.js';
import { describeMachine, formatReport, median, pairedRatio, rateWithRounds, round2, toJson, type BenchReport, type Section } from './report.js';
import { benchSearchset, BGZ_SEARCHES } from './searchset.js';
import { benchTokenGrants } from './token-grants.js';

/**
 * `npm run bench`: the four benchmarks of the performance issues, one after the other in this one
 * process, each bounded in time, on loopback only. Prints a table and, last, one JSON line; writes
 * the same JSON to ./bench-results.json. Ratios are only meaningful within one run.
 * `--quick` shortens every round (for trying the runner, not for figures).
 */
const quick = process.argv.includes('--quick');
const PLAN = {
  handshakes: { rounds: quick ? 2 : 5, roundMs: quick ? 500 : 2000 },
  tokens: { codes: quick ? 30 : 1200, prepareConcurrency: 4, prepareBudgetMs: quick ? 10_000 : 30_000, concurrency: 4, exchangeBudgetMs: 10_000 },
  searchset: { rounds: quick ? 2 : 5, roundMs: quick ? 500 : 2000, concurrency: 4 },
  passthrough: { rounds: quick ? 1 : 3, durationMs: quick ? 500 : 1500, concurrency: 4 },
};
/** The whole run stops by itself after this long, whatever hangs. */
const WATCHDOG_MS = 150_000;
const REDIS_URL = 'redis://127.0.0.1:6379';
const RESULTS_FILE = path.resolve(process.cwd(), 'bench-results.json');

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

async function handshakesSection(): Promise<Section> {
  const key = 'handshakes';
  const title = '1. Full mTLS handshakes/s on the node interface: whitelist check on vs off';
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
  const title = '2. Token grants/s (authorization code exchange) with Redis';
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

async function searchsetSection(gw: TestGateway | undefined, storage: string): Promise<Section> {
  const key = 'searchset';
  const title = '3. BgZ searchsets/s: whole gateway vs the same adapter + search engine in process';
  if (!gw) return { key, title, rows: [['skipped', 'the gateway did not start']], data: { skipped: 'the gateway did not start' } };
  const r = await benchSearchset(gw, PLAN.searchset);
  const paired = pairedRatio(r.gatewayRounds, r.inProcessRounds);
  return {
    key,
    title,
    rows: [
      ['through the gateway', rateWithRounds(r.gatewayRps, r.gatewayRounds)],
      ['in process', rateWithRounds(r.inProcessRps, r.inProcessRounds)],
      ['ratio gateway/in-process', `${fixed(r.ratio, 4)}  (median of per-round ratios ${fixed(paired, 4)}; in process is ${fixed(1 / r.ratio)}× faster)`],
      ['queries (round-robin)', r.queries.join('  ')],
      ['setup', `${PLAN.searchset.rounds} alternating rounds of ${PLAN.searchset.roundMs} ms per side, concurrency ${PLAN.searchset.concurrency}, token store ${storage}, demo EHR`],
    ],
    data: {
      gatewayPerSecond: round2(r.gatewayRps),
      inProcessPerSecond: round2(r.inProcessRps),
      ratio: Math.round(r.ratio * 10_000) / 10_000,
      pairedRatio: Math.round(paired * 10_000) / 10_000,
      roundsGateway: r.gatewayRounds.map(round2),
      roundsInProcess: r.inProcessRounds.map(round2),
      queries: BGZ_SEARCHES,
      storage,
      concurrency: PLAN.searchset.concurrency,
    },
  };
}

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
  const title = '4. FHIR passthrough adapter vs direct backend; SQL adapter vs direct SQL';
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
  await attempt('handshakes', '1. Full mTLS handshakes/s on the node interface: whitelist check on vs off', handshakesSection);

  // One composed gateway for benches 2 and 3, with Redis (as in production) under a key prefix of
  // its own that is deleted afterwards.
  const prefix = `bench:${randomBytes(6).toString('hex')}:`;
  const storage = (await redisAnswers(prefix)) ? 'redis' : 'memory';
  if (storage === 'memory') log(`no Redis at ${REDIS_URL}: token grants skipped, searchset runs with the memory store`);
  let gw: TestGateway | undefined;
  try {
    gw = await startTestGateway(storage === 'redis' ? { storageYaml: `{ kind: redis, url: "${REDIS_URL}", keyPrefix: "${prefix}" }` } : {});
  } catch (error) {
    failed = true;
    log(`the gateway did not start: ${(error as Error).message}`);
  }
  try {
    log('token grants');
    await attempt('tokenGrants', '2. Token grants/s (authorization code exchange) with Redis', () => tokenGrantsSection(gw, storage));
    log('searchset');
    await attempt('searchset', '3. BgZ searchsets/s: whole gateway vs the same adapter + search engine in process', () => searchsetSection(gw, storage));
  } finally {
    await gw?.close();
    if (storage === 'redis') log(`removed ${await clearRedisPrefix(prefix)} Redis keys under ${prefix}`);
  }

  log('passthrough');
  try {
    const r = await passthroughSection();
    report.sections.push(r.section);
    failed ||= r.failed;
  } catch (error) {
    failed = true;
    report.sections.push(errorSection('passthrough', '4. FHIR passthrough adapter vs direct backend; SQL adapter vs direct SQL', error));
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
