import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import type { LoadInput, LoadOutput } from './load-worker.js';
import { cpuSeconds, runChild, startChild, startGatewayProcess, type GatewayProcess } from './processes.js';
import { median, pairedRatio } from './report.js';
import { accessTokenFor, pgoTargetOf } from './token-grants.js';

/**
 * Bench 1, the edge: the whole gateway in its own process (`npm start`: demo EHR, memory storage,
 * info logging to a file) against a bare node:https server in its own process answering the same
 * bytes over the same two-sided TLS, both loaded by autocannon from a third process over 16
 * keep-alive connections, in alternating rounds. The FHIR search carries a token from the real
 * OAuth flow, so every request pays for mTLS, the Whitelist, the token and certificate binding,
 * the policy, the adapter, the search, the Bundle and the audit record.
 */
export interface EdgeOptions {
  readonly rounds: number;
  readonly roundS: number;
  readonly warmupS: number;
  readonly connections: number;
  /** Extra node flags for the gateway process (a CPU profile: `--cpu-prof`). */
  readonly gatewayNodeArgs?: readonly string[];
  /** Only the paths that contain one of these (`--edge-paths=`): a CPU profile of one path alone. */
  readonly pathFilter?: readonly string[];
  /** Alternating rounds per side at a fixed offered rate (PacedLatency); 0 leaves them out. */
  readonly pacedRounds: number;
}

export interface EdgePath {
  readonly label: string;
  readonly path: string;
  readonly gateway: readonly LoadOutput[];
  readonly bare: readonly LoadOutput[];
  readonly gatewayRps: number;
  readonly bareRps: number;
  /** Median of the per-round ratios gateway/bare (rounds ran back to back). */
  readonly ratio: number;
  readonly gatewayP99Ms: number;
  readonly bareP99Ms: number;
  /** Median CPU time (user + system) each server process spent per answered request, in µs. */
  readonly gatewayCpuUs: number;
  readonly bareCpuUs: number;
  /** bare / gateway CPU per request: the throughput ratio on a core of each one's own. */
  readonly cpuRatio: number;
  readonly bytes: number;
  /** Application log and audit log bytes per request the gateway answered on this path. */
  readonly logBytesPerRequest: { readonly app: number; readonly audit: number };
  /** Latency at one fixed offered rate, the same for both sides (open loop): absent with pacedRounds 0. */
  readonly paced?: PacedLatency | { readonly error: string };
}

/**
 * The saturated rounds' p99 is mostly the connection count divided by the throughput (a closed
 * loop: each connection sends its next request when its answer is in). These rounds offer both
 * servers the same rate, half what the gateway just sustained (at most PACED_RATE_CAP), so their
 * latencies compare the time a request takes through each at a load both carry.
 */
export interface PacedLatency {
  readonly ratePerS: number;
  readonly gateway: readonly LoadOutput[];
  readonly bare: readonly LoadOutput[];
  readonly gatewayP50Ms: number;
  readonly gatewayP99Ms: number;
  readonly bareP50Ms: number;
  readonly bareP99Ms: number;
}

export interface EdgeResult {
  readonly paths: readonly EdgePath[];
  readonly gatewayRssMiB: { readonly start: number | undefined; readonly end: number | undefined };
}

export const SEARCH_PATH = '/fhir/demoziekenhuis/48/Condition';
const METADATA_PATH = '/fhir/demoziekenhuis/48/metadata';
const HEALTH_PATH = '/health';
const LOAD_TIMEOUT_MS = 120_000;
/**
 * The highest rates the paced rounds offer, below where the load process (undici, one core) is
 * the limit, measured on the 2-core bench machine. Plain HTTP, against a bare server: p99 1.35 ms
 * at 9,000/s, 4.32 ms at 12,000/s, 25.7 ms at 16,000/s (half of /health's throughput, 22,100/s,
 * left 2,000 requests waiting). Two-sided TLS costs the client more: 4,700/s held, 7,800/s left
 * 2,000 waiting.
 */
const PACED_RATE_CAP = { plain: 8_000, tls: 5_000 } as const;

interface Case {
  readonly label: string;
  readonly path: string;
  readonly gatewayUrl: string;
  readonly bareUrl: string;
  readonly headers: Record<string, string>;
  readonly tls: boolean;
  readonly bytes: number;
  readonly barePid: number;
}

export async function benchEdge(opts: EdgeOptions, progress: (line: string) => void): Promise<EdgeResult> {
  const gw = await startGatewayProcess(opts.gatewayNodeArgs ? { nodeArgs: opts.gatewayNodeArgs } : {});
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'medmij-bench-bare-'));
  const stops: Array<() => Promise<void>> = [];
  try {
    const rssStart = await gw.rssMiB();
    const target = await pgoTargetOf(gw);
    const token = await accessTokenFor(target);
    const fhirHeaders = {
      authorization: `Bearer ${token.accessToken}`,
      accept: 'application/fhir+json',
      'x-correlation-id': token.sessionId,
      'medmij-request-id': randomUUID(),
    };
    const search = await answerOf(gw, `${gw.node}${SEARCH_PATH}`, fhirHeaders);
    const metadata = await answerOf(gw, `${gw.node}${METADATA_PATH}`, { accept: 'application/fhir+json' });
    const health = await answerOf(gw, `${gw.operations}${HEALTH_PATH}`, {});
    const bodyFile = async (name: string, body: Buffer) => {
      const file = path.join(tmp, name);
      await writeFile(file, body);
      return file;
    };
    const bareTls = await startChild<{ port: number }>('bare-server.js', [
      JSON.stringify({
        tls: { cert: gw.pki.gatewayCert, key: gw.pki.gatewayKey, ca: gw.pki.caCert },
        routes: {
          [SEARCH_PATH]: { bodyFile: await bodyFile('search', search.body), contentType: search.contentType },
          [METADATA_PATH]: { bodyFile: await bodyFile('metadata', metadata.body), contentType: metadata.contentType },
        },
      }),
    ]);
    stops.push(bareTls.stop);
    const barePlain = await startChild<{ port: number }>('bare-server.js', [
      JSON.stringify({ routes: { [HEALTH_PATH]: { bodyFile: await bodyFile('health', health.body), contentType: health.contentType } } }),
    ]);
    stops.push(barePlain.stop);
    const bareTlsBase = `https://127.0.0.1:${bareTls.ready.port}`;
    const cases: Case[] = [
      { label: 'FHIR search (BgZ Condition, with token)', path: SEARCH_PATH, gatewayUrl: `${gw.node}${SEARCH_PATH}`, bareUrl: `${bareTlsBase}${SEARCH_PATH}`, headers: fhirHeaders, tls: true, bytes: search.body.length, barePid: bareTls.pid },
      { label: 'metadata (no token)', path: METADATA_PATH, gatewayUrl: `${gw.node}${METADATA_PATH}`, bareUrl: `${bareTlsBase}${METADATA_PATH}`, headers: { accept: 'application/fhir+json' }, tls: true, bytes: metadata.body.length, barePid: bareTls.pid },
      { label: '/health (plain HTTP operations listener; bare: node:http)', path: HEALTH_PATH, gatewayUrl: `${gw.operations}${HEALTH_PATH}`, bareUrl: `http://127.0.0.1:${barePlain.ready.port}${HEALTH_PATH}`, headers: {}, tls: false, bytes: health.body.length, barePid: barePlain.pid },
    ];
    const paths: EdgePath[] = [];
    const filter = opts.pathFilter;
    for (const c of filter ? cases.filter((k) => filter.some((part) => k.path.includes(part))) : cases) {
      const logStart = await gw.logBytes();
      let gatewayRequests = 0;
      const tls = c.tls ? { tls: { ca: gw.pki.caCert, cert: gw.pki.pgoListedCert, key: gw.pki.pgoListedKey } } : {};
      const load = (url: string, durationS: number): Promise<LoadOutput> =>
        runLoad({ mode: 'throughput', urls: [url], connections: opts.connections, durationS, headers: c.headers, ...tls });
      // Warm up both (JIT, connection set-up), then alternate which side goes first.
      if (opts.warmupS > 0) {
        gatewayRequests += (await load(c.gatewayUrl, opts.warmupS)).requests;
        await load(c.bareUrl, opts.warmupS);
      }
      const gateway: LoadOutput[] = [];
      const bare: LoadOutput[] = [];
      const gatewayCpu: number[] = [];
      const bareCpu: number[] = [];
      for (let round = 0; round < opts.rounds; round++) {
        for (const side of round % 2 === 0 ? (['gateway', 'bare'] as const) : (['bare', 'gateway'] as const)) {
          const pid = side === 'gateway' ? gw.pid : c.barePid;
          const cpuBefore = await cpuSeconds(pid);
          const r = await load(side === 'gateway' ? c.gatewayUrl : c.bareUrl, opts.roundS);
          const cpuAfter = await cpuSeconds(pid);
          if (r.non2xx > 0 || r.errors > 0) throw new Error(`${c.label}: ${side} answered ${r.non2xx} non-2xx and ${r.errors} errors`);
          (side === 'gateway' ? gateway : bare).push(r);
          if (cpuBefore !== undefined && cpuAfter !== undefined && r.requests > 0) (side === 'gateway' ? gatewayCpu : bareCpu).push(((cpuAfter - cpuBefore) * 1e6) / r.requests);
          if (side === 'gateway') gatewayRequests += r.requests;
        }
        progress(`edge ${c.path} round ${round + 1}/${opts.rounds}: gateway ${gateway.at(-1)!.rps.toFixed(0)}/s, bare ${bare.at(-1)!.rps.toFixed(0)}/s`);
      }
      const gatewayRps = median(gateway.map((r) => r.rps));
      let paced: PacedLatency | { readonly error: string } | undefined;
      if (opts.pacedRounds > 0) {
        // Half the gateway's sustained rate, in whole hundreds, a load it carries with room to
        // spare; at most what the load process itself sends on time (PACED_RATE_CAP).
        const ratePerS = Math.min(PACED_RATE_CAP[c.tls ? 'tls' : 'plain'], Math.max(100, Math.floor(gatewayRps / 2 / 100) * 100));
        paced = await pacedLatency(c, ratePerS, opts, tls, progress).catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }));
        if ('error' in paced) progress(`edge ${c.path} paced rounds failed: ${paced.error}`);
        else gatewayRequests += paced.gateway.reduce((sum, r) => sum + (r.sent ?? r.requests), 0);
      }

      paths.push({
        label: c.label,
        path: c.path,
        gateway,
        bare,
        gatewayRps,
        bareRps: median(bare.map((r) => r.rps)),
        ratio: pairedRatio(gateway.map((r) => r.rps), bare.map((r) => r.rps)),
        gatewayP99Ms: median(gateway.map((r) => r.p99Ms)),
        bareP99Ms: median(bare.map((r) => r.p99Ms)),
        gatewayCpuUs: Math.round(median(gatewayCpu)),
        bareCpuUs: Math.round(median(bareCpu)),
        cpuRatio: Math.round((median(bareCpu) / median(gatewayCpu)) * 1000) / 1000,
        bytes: c.bytes,
        logBytesPerRequest: await logBytesSince(gw, logStart, gatewayRequests),
        ...(paced ? { paced } : {}),
      });
    }
    return {
      paths,
      gatewayRssMiB: { start: rssStart, end: await gw.rssMiB() },
    };
  } finally {
    for (const stop of stops) await stop();
    await gw.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Alternating rounds of the paced (open-loop) load at one rate, the same for both sides. */
async function pacedLatency(c: Case, ratePerS: number, opts: EdgeOptions, tls: Pick<LoadInput, 'tls'>, progress: (line: string) => void): Promise<PacedLatency> {
  const gateway: LoadOutput[] = [];
  const bare: LoadOutput[] = [];
  for (let round = 0; round < opts.pacedRounds; round++) {
    for (const side of round % 2 === 0 ? (['gateway', 'bare'] as const) : (['bare', 'gateway'] as const)) {
      const r = await runLoad({ mode: 'paced', ratePerS, urls: [side === 'gateway' ? c.gatewayUrl : c.bareUrl], connections: opts.connections, durationS: opts.roundS, headers: c.headers, ...tls });
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${c.label}: ${side} answered ${r.non2xx} non-2xx and ${r.errors} errors at ${ratePerS}/s`);
      (side === 'gateway' ? gateway : bare).push(r);
    }
    progress(`edge ${c.path} paced round ${round + 1}/${opts.pacedRounds} at ${ratePerS}/s: p99 gateway ${gateway.at(-1)!.p99Ms} ms, bare ${bare.at(-1)!.p99Ms} ms`);
  }
  return {
    ratePerS,
    gateway,
    bare,
    gatewayP50Ms: median(gateway.map((r) => r.p50Ms)),
    gatewayP99Ms: median(gateway.map((r) => r.p99Ms)),
    bareP50Ms: median(bare.map((r) => r.p50Ms)),
    bareP99Ms: median(bare.map((r) => r.p99Ms)),
  };
}

async function logBytesSince(gw: GatewayProcess, start: { app: number; audit: number }, requests: number): Promise<{ app: number; audit: number }> {
  // The log writes asynchronously: give the last lines a moment to land before counting bytes.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const end = await gw.logBytes();
  return { app: Math.round((end.app - start.app) / Math.max(1, requests)), audit: Math.round((end.audit - start.audit) / Math.max(1, requests)) };
}

export function runLoad(input: LoadInput): Promise<LoadOutput> {
  return runChild<LoadOutput>('load-worker.js', input, LOAD_TIMEOUT_MS + input.durationS * 1000);
}

/** One answer of the gateway, checked to be a 200, whose bytes the bare server will repeat. */
async function answerOf(gw: GatewayProcess, url: string, headers: Record<string, string>): Promise<{ body: Buffer; contentType: string }> {
  const agent = new Agent({ connect: { ca: await readFile(gw.pki.caCert), cert: await readFile(gw.pki.pgoListedCert), key: await readFile(gw.pki.pgoListedKey) } });
  try {
    const res = await request(url, { dispatcher: agent, headers });
    const body = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode !== 200) throw new Error(`${new URL(url).pathname} answered ${res.statusCode}`);
    const contentType = res.headers['content-type'];
    return { body, contentType: typeof contentType === 'string' ? contentType : 'application/octet-stream' };
  } finally {
    await agent.close();
  }
}
