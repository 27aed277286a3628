import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { devPkiFiles, type DevPkiFiles } from '../../gateway/pki/index.js';
import { fromProjectRoot } from '../../gateway/project-root.js';
import { testGatewayYaml, type TestGatewayOptions } from '../helpers/gateway.js';

/**
 * The processes of `npm run bench`: the gateway started as `npm start` starts it (its own process,
 * `node dist/gateway/main.js <config>`, stdout and the audit stream going to files), the bare
 * reference servers and the load generator. Nothing measured shares an event loop with anything
 * else, so a figure is the server's own, not the client's.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
/** Built by `npm run bench` (tsconfig.bench.json) next to this file: dist/test/bench → dist/gateway. */
const GATEWAY_MAIN = path.resolve(here, '../../gateway/main.js');
const START_TIMEOUT_MS = 60_000;

export interface GatewayProcess {
  readonly pid: number;
  readonly node: string;
  readonly patient: string;
  readonly operations: string;
  readonly pki: DevPkiFiles;
  /** The gateway's stdout: the start banner and the info-level application log. */
  readonly logFile: string;
  readonly auditFile: string;
  /** Resident set size of the gateway process now, from /proc (Linux), in MiB. */
  rssMiB(): Promise<number | undefined>;
  /** Bytes written to the application log and the audit log so far. */
  logBytes(): Promise<{ app: number; audit: number }>;
  /** SIGTERM (the gateway drains and exits, writing a CPU profile when asked for one). */
  stop(): Promise<void>;
}

export interface GatewayProcessOptions extends TestGatewayOptions {
  /** Extra node flags, e.g. `--cpu-prof --cpu-prof-dir=…`. */
  readonly nodeArgs?: readonly string[];
}

/** Requests per budget window in the bench's rate limits: the schema's maximum. */
const BENCH_BUDGET = 10_000_000;

export async function startGatewayProcess(options: GatewayProcessOptions = {}): Promise<GatewayProcess> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'medmij-bench-'));
  const certsDir = path.join(dir, 'certs');
  const listsDir = path.join(dir, 'lists');
  await cp(fromProjectRoot('config', 'lists', 'dev'), listsDir, { recursive: true });
  const logFile = path.join(dir, 'gateway.log');
  const auditFile = path.join(dir, 'audit.log');
  const configFile = path.join(dir, 'gateway.yaml');
  // Info level, as `npm start` logs: the log is part of the cost being measured. Rate limits on,
  // as `npm start` has them (the suite's default turns them off), with budgets no bench reaches:
  // the counting is part of the cost, a 429 would not be.
  const rateLimitsYaml = `{ enabled: true, fhirPerClient: ${BENCH_BUDGET}, tokenPerClient: ${BENCH_BUDGET}, authorizePerAddress: ${BENCH_BUDGET}, authorizeTotal: ${BENCH_BUDGET} }`;
  await writeFile(configFile, testGatewayYaml({ certsDir, listsDir }, { loggingYaml: `{ level: info, audit: "${auditFile}" }`, rateLimitsYaml, ...options }));
  const out = await open(logFile, 'w');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), GATEWAY_MAIN, configFile], {
    cwd: dir,
    stdio: ['ignore', out.fd, out.fd],
  });
  await out.close();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const banner = await waitForBanner(logFile, exited);
    return {
      pid: child.pid!,
      ...banner,
      pki: devPkiFiles(certsDir),
      logFile,
      auditFile,
      rssMiB: () => rssMiB(child.pid!),
      logBytes: async () => ({ app: await sizeOf(logFile), audit: await sizeOf(auditFile) }),
      stop: async () => {
        await stopChild(child, exited);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopChild(child, exited);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The addresses the gateway prints in its start banner (main.ts printBanner). */
async function waitForBanner(logFile: string, exited: Promise<number | null>): Promise<{ node: string; patient: string; operations: string }> {
  let gone: number | null | undefined;
  void exited.then((code) => (gone = code));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const text = await readFile(logFile, 'utf8').catch(() => '');
    const node = /node interface \(mTLS \+ Whitelist\):\s+(\S+)/.exec(text)?.[1];
    const patient = /patient interface \(browser\):\s+(\S+)/.exec(text)?.[1];
    const operations = /operations \(health, ready, metrics\):\s+(\S+)\/health/.exec(text)?.[1];
    if (node && patient && operations) return { node, patient, operations };
    if (gone !== undefined) throw new Error(`the gateway exited (${gone}) before listening:\n${text.slice(-2000)}`);
    await sleep(100);
  }
  throw new Error(`the gateway printed no start banner within ${START_TIMEOUT_MS / 1000} s`);
}

/**
 * Starts `script` (a module next to this one) as a child process that prints one JSON line on
 * stdout once it is ready, and returns that line with a stop function.
 */
export async function startChild<T>(script: string, args: readonly string[], nodeArgs: readonly string[] = []): Promise<{ ready: T; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [...nodeArgs, path.join(here, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<T>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`${script} did not get ready within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const line = buffer.split('\n')[0];
      if (buffer.includes('\n') && line !== undefined) {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(line) as T);
        } catch {
          reject(new Error(`${script} printed no JSON: ${line.slice(0, 200)}`));
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}) before it was ready`));
    });
  });
  return { ready, pid: child.pid!, stop: () => stopChild(child, exited) };
}

/** Runs `script` to completion and returns the one JSON line it prints last. */
export async function runChild<T>(script: string, input: unknown, timeoutMs: number): Promise<T> {
  const child = spawn(process.execPath, [path.join(here, script), JSON.stringify(input)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  const last = out.trim().split('\n').pop() ?? '';
  if (code !== 0) throw new Error(`${script} exited ${code}: ${last.slice(0, 300)}`);
  return JSON.parse(last) as T;
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/**
 * CPU seconds (user + system) the process has used so far, from /proc (Linux; undefined
 * elsewhere). On a shared machine a server's CPU time per request is steadier than its wall-clock
 * rate: time it spends waiting for a core it does not get is not counted.
 */
export async function cpuSeconds(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // Fields after the command name (which is in parentheses and may hold spaces): utime is the
  // 12th, stime the 13th; both in clock ticks (USER_HZ, 100 on Linux).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) && fields.length > 12 ? (utime + stime) / CLOCK_TICKS_PER_SECOND : undefined;
}
const CLOCK_TICKS_PER_SECOND = 100;

export async function rssMiB(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
  return kb === undefined ? undefined : Math.round((Number(kb) / 1024) * 10) / 10;
}

async function sizeOf(file: string): Promise<number> {
  return (await stat(file).catch(() => ({ size: 0 }))).size;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
