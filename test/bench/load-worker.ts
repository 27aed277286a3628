import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { Agent, Pool, request } from 'undici';
import { percentile, round2 } from './report.js';

/**
 * The load generator of `npm run bench`, run as a process of its own (never inside the server it
 * measures). Three modes:
 * - `throughput`: autocannon, N keep-alive connections, client certificate in tlsOptions;
 * - `latency`: one request at a time over one keep-alive connection (undici), each timed with
 *   performance.now(), for latencies finer than autocannon's whole milliseconds;
 * - `paced`: an open loop at a fixed rate over N keep-alive connections (undici): requests leave
 *   on a schedule whether or not earlier answers came back, so the latencies are those of a
 *   server at that load, not of one kept saturated (where latency is only the connection count
 *   divided by the throughput).
 * Input: one JSON argument; output: one JSON line. Stops by itself after `durationS`.
 */
export interface LoadInput {
  readonly mode: 'throughput' | 'latency' | 'paced';
  /** Absolute URLs; latency mode cycles through them, throughput mode takes the first. */
  readonly urls: readonly string[];
  readonly connections: number;
  readonly durationS: number;
  readonly headers: Readonly<Record<string, string>>;
  /** PEM files of the client side of two-sided TLS. */
  readonly tls?: { readonly ca: string; readonly cert: string; readonly key: string };
  /** Latency mode: also return every latency, per URL (to merge runs split into parts). */
  readonly keepSamples?: boolean;
  /** Paced mode: requests per second offered, whatever the answers do. */
  readonly ratePerS?: number;
}

export interface LoadOutput {
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly non2xx: number;
  readonly errors: number;
  /** Paced mode: every request sent, the unrecorded first seconds and the connection openers included (for counting log bytes per request). */
  readonly sent?: number;
  /** Latency mode: per URL, in the order given. */
  readonly perUrl?: ReadonlyArray<{ readonly url: string; readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number; readonly count: number; readonly samplesMs?: readonly number[] }>;
}

/** Hard cap of requests in latency mode, whatever the clock does. */
const MAX_SEQUENTIAL = 200_000;
/** Paced mode gives up (and says so) when this many requests are waiting: the rate is past what the server takes. */
const MAX_IN_FLIGHT = 2_000;
/** Paced mode's clock: requests due are sent on each tick, so a burst is at most this long. */
const PACE_TICK_MS = 1;
/** Paced mode: the first seconds at the rate are sent but not recorded (see paced()). */
const PACED_WARMUP_MS = 3000;

async function throughput(input: LoadInput): Promise<LoadOutput> {
  const url = input.urls[0]!;
  const tlsOptions = input.tls ? { ca: readFileSync(input.tls.ca), cert: readFileSync(input.tls.cert), key: readFileSync(input.tls.key) } : undefined;
  const result = await autocannon({
    url,
    connections: input.connections,
    pipelining: 1,
    duration: input.durationS,
    headers: { ...input.headers },
    ...(tlsOptions ? { tlsOptions } : {}),
  });
  const ok = result['2xx'];
  return {
    requests: ok,
    seconds: result.duration,
    rps: ok / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

async function latency(input: LoadInput): Promise<LoadOutput> {
  const agent = new Agent({
    connections: 1,
    keepAliveTimeout: 60_000,
    ...(input.tls ? { connect: { ca: readFileSync(input.tls.ca), cert: readFileSync(input.tls.cert), key: readFileSync(input.tls.key) } } : {}),
  });
  const all: number[] = [];
  const perUrl = input.urls.map(() => [] as number[]);
  let non2xx = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + input.durationS * 1000;
  try {
    for (let i = 0; performance.now() < deadline && i < MAX_SEQUENTIAL; i++) {
      const index = i % input.urls.length;
      const t0 = performance.now();
      try {
        const res = await request(input.urls[index]!, { dispatcher: agent, headers: input.headers });
        await res.body.dump({ limit: 64 * 1024 * 1024 });
        if (res.statusCode < 200 || res.statusCode > 299) non2xx++;
      } catch {
        errors++;
        continue;
      }
      const ms = performance.now() - t0;
      all.push(ms);
      perUrl[index]!.push(ms);
    }
  } finally {
    await agent.close();
  }
  return {
    ...timedOutput(all, started, non2xx, errors),
    perUrl: input.urls.map((url, i) => ({ url, p50Ms: pct(perUrl[i]!, 50), p99Ms: pct(perUrl[i]!, 99), maxMs: pct(perUrl[i]!, 100), count: perUrl[i]!.length, ...(input.keepSamples ? { samplesMs: perUrl[i]! } : {}) })),
  };
}

/**
 * Open loop: request i is due at start + i / rate and is sent on the first tick at or after that,
 * so a slow answer never delays the next request (no coordinated omission). Each latency runs from
 * the moment its request is handed to the pool (the same timer lag on both sides, kept out of the
 * figure) to the last byte of its answer; a request that queues behind busy connections counts
 * its wait.
 */
async function paced(input: LoadInput): Promise<LoadOutput> {
  const rate = input.ratePerS;
  if (rate === undefined || !(rate > 0)) throw new Error('paced mode needs ratePerS > 0');
  const target = new URL(input.urls[0]!);
  const pool = new Pool(target.origin, {
    connections: input.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    ...(input.tls ? { connect: { ca: readFileSync(input.tls.ca), cert: readFileSync(input.tls.cert), key: readFileSync(input.tls.key) } } : {}),
  });
  const path = `${target.pathname}${target.search}`;
  const all: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let inFlight = 0;
  let sent = 0;
  let overloaded = false;
  let recordFrom = Infinity;
  /** One request, its answer read to the end; its status. */
  const fetchOnce = async (): Promise<number> => {
    const res = await pool.request({ path, method: 'GET', headers: input.headers });
    await res.body.dump({ limit: 64 * 1024 * 1024 });
    return res.statusCode;
  };
  const one = async (): Promise<void> => {
    const t0 = performance.now();
    inFlight++;
    try {
      const status = await fetchOnce();
      if (status < 200 || status > 299) non2xx++;
      else if (t0 >= recordFrom) all.push(performance.now() - t0);
    } catch {
      errors++;
    } finally {
      inFlight--;
    }
  };
  // Every connection opened (its handshake done) before the clock starts: otherwise the first
  // requests wait for sixteen two-sided TLS handshakes and the tail is the set-up's.
  await Promise.all(Array.from({ length: input.connections }, fetchOnce));
  const pending: Array<Promise<void>> = [];
  const started = performance.now();
  // The first three seconds at the rate are not recorded: this process's own JIT is still
  // compiling the request path then. With one second unrecorded, a measurement build saw this
  // process's 1 ms clock fire 6 to 12 ms late, most often about 1.1 s into the recorded window, in
  // the bare server's rounds and the gateway's alike: the requests it then sent at once were a
  // burst the load made, which a slower server takes longer to drain (the gateway's p99).
  recordFrom = started + PACED_WARMUP_MS;
  const end = recordFrom + input.durationS * 1000;
  try {
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = performance.now();
        const due = Math.floor(((Math.min(now, end) - started) * rate) / 1000) + 1;
        while (sent < due && inFlight < MAX_IN_FLIGHT) {
          sent++;
          pending.push(one());
        }
        if (inFlight >= MAX_IN_FLIGHT) overloaded = true;
        if (now >= end || overloaded) resolve();
        else setTimeout(tick, PACE_TICK_MS);
      };
      tick();
    });
    await Promise.all(pending);
  } finally {
    await pool.close();
  }
  if (overloaded) throw new Error(`paced load: ${MAX_IN_FLIGHT} requests waiting at ${rate}/s: the server does not keep up with this rate`);
  return { ...timedOutput(all, recordFrom, non2xx, errors), sent: sent + input.connections };
}

/** The figures of a run whose every answered request was timed here (the latency and paced modes). */
function timedOutput(latenciesMs: readonly number[], started: number, non2xx: number, errors: number): LoadOutput {
  const seconds = (performance.now() - started) / 1000;
  return {
    requests: latenciesMs.length,
    seconds,
    rps: latenciesMs.length / seconds,
    p50Ms: pct(latenciesMs, 50),
    p99Ms: pct(latenciesMs, 99),
    maxMs: pct(latenciesMs, 100),
    non2xx,
    errors,
  };
}

/** Nearest rank, in ms to two decimals. */
function pct(values: readonly number[], p: number): number {
  return round2(percentile(values, p));
}

const input = JSON.parse(process.argv[2] ?? '{}') as LoadInput;
/**
 * Exits once the line is out: a pipe takes about 64 KiB at once, and the rest of a longer line
 * (the kept samples of a long latency run) waits in the stream, which exit() would drop: the
 * parent then read JSON cut off mid-array.
 */
const answer = (line: unknown, code: number): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`, () => process.exit(code));
};
const run = { throughput, latency, paced }[input.mode];
(run ? run(input) : Promise.reject(new Error(`unknown load mode ${String(input.mode)}`))).then(
  (out) => answer(out, 0),
  (error: unknown) => answer({ error: error instanceof Error ? error.message : String(error) }, 1),
);
