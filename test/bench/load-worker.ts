import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { Agent, request } from 'undici';
import { percentile, round2 } from './report.js';

/**
 * The load generator of `npm run bench`, run as a process of its own (never inside the server it
 * measures). Two modes:
 * - `throughput`: autocannon, N keep-alive connections, client certificate in tlsOptions;
 * - `latency`: one request at a time over one keep-alive connection (undici), each timed with
 *   performance.now(), for latencies finer than autocannon's whole milliseconds.
 * Input: one JSON argument; output: one JSON line. Stops by itself after `durationS`.
 */
export interface LoadInput {
  readonly mode: 'throughput' | 'latency';
  /** Absolute URLs; latency mode cycles through them, throughput mode takes the first. */
  readonly urls: readonly string[];
  readonly connections: number;
  readonly durationS: number;
  readonly headers: Readonly<Record<string, string>>;
  /** PEM files of the client side of two-sided TLS. */
  readonly tls?: { readonly ca: string; readonly cert: string; readonly key: string };
  /** Latency mode: also return every latency, per URL (to merge runs split into parts). */
  readonly keepSamples?: boolean;
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
  /** Latency mode: per URL, in the order given. */
  readonly perUrl?: ReadonlyArray<{ readonly url: string; readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number; readonly count: number; readonly samplesMs?: readonly number[] }>;
}

/** Hard cap of requests in latency mode, whatever the clock does. */
const MAX_SEQUENTIAL = 200_000;

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
  const seconds = (performance.now() - started) / 1000;
  return {
    requests: all.length,
    seconds,
    rps: all.length / seconds,
    p50Ms: pct(all, 50),
    p99Ms: pct(all, 99),
    maxMs: pct(all, 100),
    non2xx,
    errors,
    perUrl: input.urls.map((url, i) => ({ url, p50Ms: pct(perUrl[i]!, 50), p99Ms: pct(perUrl[i]!, 99), maxMs: pct(perUrl[i]!, 100), count: perUrl[i]!.length, ...(input.keepSamples ? { samplesMs: perUrl[i]! } : {}) })),
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
(input.mode === 'latency' ? latency(input) : throughput(input)).then(
  (out) => answer(out, 0),
  (error: unknown) => answer({ error: error instanceof Error ? error.message : String(error) }, 1),
);
