import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';

/**
 * Real Redis, Redis Sentinel and HAProxy processes for the high-availability tests, each started
 * by the test on free loopback ports with its files in the test's temp folder, and stopped by it.
 * The shared Redis on 6379 is never touched.
 */

/** The binaries these tests need, with the first one missing (undefined when all are there). */
export function missingBinary(names: readonly string[]): string | undefined {
  return names.find((name) => spawnSync('sh', ['-c', `command -v ${name}`]).status !== 0);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface Proc {
  readonly name: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** SIGKILL, as a crash: nothing is flushed or handed over. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
  output(): string;
}

function track(name: string, port: number, child: ChildProcess): Proc {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = async (sig: NodeJS.Signals, graceMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(sig);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return { name, port, child, kill: () => signal('SIGKILL', 0), stop: () => signal('SIGTERM', 5000), output: () => out };
}

/** One RESP command over a fresh loopback connection; resolves with the raw reply. */
export function redisCommand(port: number, args: readonly string[], timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from 127.0.0.1:${port}`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    socket.on('data', (d) => {
      reply += d.toString();
      // Enough for the simple and bulk/array replies these tests read.
      if (/\r\n$/.test(reply) && !/^\*\d+\r\n$/.test(reply)) {
        clearTimeout(timer);
        socket.end();
        resolve(reply);
      }
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface RedisTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

/** PING over TLS with a client certificate; resolves with the reply. */
function tlsPing(port: number, tlsFiles: RedisTlsFiles): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: readFileSync(tlsFiles.caFile), cert: readFileSync(tlsFiles.certFile), key: readFileSync(tlsFiles.keyFile), servername: 'localhost' }, () => socket.write('*1\r\n$4\r\nPING\r\n'));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no TLS answer'));
    }, 1000);
    socket.on('data', (d) => {
      clearTimeout(timer);
      socket.end();
      resolve(d.toString());
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/**
 * How many times a server is started on fresh ports when it exits before it answers: between
 * freePort's close and the server's bind another process may take the port (the ports come from
 * the ephemeral range every outgoing connection of the run draws from too).
 */
const START_ATTEMPTS = 3;

/** A server that answered, or the output of one that exited before it did. */
type Started = { readonly proc: Proc } | { readonly exitedWith: string };

/**
 * Spawns a server and waits until the probe says it answers. A process that exits first (its
 * port was taken, say) is reported so the caller can try again on other ports; one that neither
 * answers nor exits in time fails the test with its own output.
 */
async function spawnAndProbe(name: string, port: number, command: string, args: readonly string[], probe: () => Promise<boolean>): Promise<Started> {
  const proc = track(name, port, spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let exited = false;
  proc.child.once('exit', () => (exited = true));
  try {
    await waitFor(`${name} on ${port}`, async () => exited || probe(), 10_000);
  } catch (error) {
    await proc.kill();
    throw new Error(`${(error as Error).message}; its output:\n${proc.output()}`);
  }
  return exited ? { exitedWith: proc.output() } : { proc };
}

/** Runs start (which picks its own free ports) until a server answers, START_ATTEMPTS times at most. */
async function startOnFreePorts(name: string, start: () => Promise<Started>): Promise<Proc> {
  let last = '';
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const started = await start();
    if ('proc' in started) return started.proc;
    last = started.exitedWith;
  }
  throw new Error(`${name} exited before it answered, ${START_ATTEMPTS} times on fresh ports; its last output:\n${last}`);
}

/**
 * A redis-server with the persistence the gateway needs (AOF, fsync every second: grants and
 * long-term consents survive a restart), optionally a replica of another or a
 * cluster node, on fresh free ports.
 */
export async function startRedis(dir: string, name: string, options: { replicaOf?: number; tls?: RedisTlsFiles; cluster?: boolean } = {}): Promise<Proc> {
  return startOnFreePorts(name, async () => {
    const port = await freePort();
    // A cluster node's bus port is its own free port: the default (port + 10000) may be taken by
    // another connection of the run, or lie past 65535.
    const busPort = options.cluster ? await freePort() : undefined;
    const conf = path.join(dir, `${name}.conf`);
    await writeFile(
      conf,
      [
        // With TLS the plain port is closed: only TLS, and only with a client certificate the CA signed.
        ...(options.tls === undefined
          ? [`port ${port}`]
          : ['port 0', `tls-port ${port}`, `tls-cert-file ${options.tls.certFile}`, `tls-key-file ${options.tls.keyFile}`, `tls-ca-cert-file ${options.tls.caFile}`, 'tls-auth-clients yes']),
        'bind 127.0.0.1',
        'protected-mode no',
        `dir ${dir}`,
        `dbfilename ${name}.rdb`,
        `appendfilename ${name}.aof`,
        `appenddirname ${name}-aof`,
        'appendonly yes',
        'appendfsync everysec',
        'save ""',
        ...(options.replicaOf === undefined ? [] : [`replicaof 127.0.0.1 ${options.replicaOf}`]),
        ...(busPort === undefined ? [] : ['cluster-enabled yes', `cluster-port ${busPort}`, `cluster-config-file ${name}-nodes.conf`, 'cluster-node-timeout 2000']),
        '',
      ].join('\n'),
    );
    const tlsFiles = options.tls;
    return spawnAndProbe(name, port, 'redis-server', [conf], async () => (await (tlsFiles ? tlsPing(port, tlsFiles) : redisCommand(port, ['PING']))).startsWith('+PONG'));
  });
}

export const SENTINEL_MASTER = 'medmij';

/** A sentinel watching the primary on masterPort; quorum 2 of 3, a primary is down after 1 s. */
export async function startSentinel(dir: string, name: string, masterPort: number): Promise<Proc> {
  return startOnFreePorts(name, async () => {
    const port = await freePort();
    const conf = path.join(dir, `${name}.conf`);
    // The sentinel rewrites its own file (discovered replicas, other sentinels, epochs).
    await writeFile(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        'protected-mode no',
        `dir ${dir}`,
        `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${masterPort} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
        `sentinel failover-timeout ${SENTINEL_MASTER} 10000`,
        `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
        '',
      ].join('\n'),
    );
    return spawnAndProbe(name, port, 'redis-sentinel', [conf], async () => (await redisCommand(port, ['PING'])).startsWith('+PONG'));
  });
}

/** The primary's port as a sentinel reports it now. */
export async function primaryPortSeenBy(sentinelPort: number): Promise<number | undefined> {
  const reply = await redisCommand(sentinelPort, ['SENTINEL', 'get-master-addr-by-name', SENTINEL_MASTER]);
  const parts = reply.split('\r\n');
  const port = Number(parts[4]);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

export interface Backend {
  readonly name: string;
  readonly port: number;
  /** The plain-HTTP port of its /ready, which HAProxy checks. */
  readonly readyPort: number;
}

/**
 * HAProxy in TCP mode (TLS passes through untouched, so each gateway still sees the PGO's client
 * certificate), one frontend per listener, round robin, and a backend taken out of rotation when
 * its /ready stops answering 200.
 */
export async function startHaproxy(dir: string, frontends: ReadonlyArray<{ readonly name: string; readonly port?: number; readonly backends: readonly Backend[] }>): Promise<{ proc: Proc; ports: Record<string, number> }> {
  const ports: Record<string, number> = {};
  const sections: string[] = [];
  for (const f of frontends) {
    const port = f.port ?? (await freePort());
    ports[f.name] = port;
    sections.push(
      `frontend ${f.name}`,
      `  bind 127.0.0.1:${port}`,
      `  default_backend ${f.name}-gateways`,
      `backend ${f.name}-gateways`,
      '  balance roundrobin',
      '  option httpchk GET /ready',
      '  http-check expect status 200',
      '  default-server inter 300ms fall 1 rise 2 on-marked-down shutdown-sessions',
      ...f.backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} check port ${b.readyPort}`),
    );
  }
  const conf = path.join(dir, 'haproxy.cfg');
  await writeFile(
    conf,
    [
      'global',
      '  maxconn 512',
      'defaults',
      '  mode tcp',
      '  timeout connect 2s',
      '  timeout client 30s',
      '  timeout server 30s',
      // A connection refused by a dead backend is retried on another one before the client notices.
      '  retries 2',
      '  option redispatch',
      ...sections,
      '',
    ].join('\n'),
  );
  const check = spawnSync('haproxy', ['-c', '-f', conf]);
  if (check.status !== 0) throw new Error(`haproxy rejected its config:\n${check.stdout}${check.stderr}`);
  const proc = track('haproxy', Object.values(ports)[0] ?? 0, spawn('haproxy', ['-db', '-f', conf], { stdio: ['ignore', 'pipe', 'pipe'] }));
  await waitFor('haproxy', () => new Promise((resolve) => {
    const s = net.connect(Object.values(ports)[0] ?? 0, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  }), 10_000);
  return { proc, ports };
}

/** A Redis Cluster of three primaries (no replicas) on free loopback ports, slots assigned. */
export async function startRedisCluster(dir: string): Promise<Proc[]> {
  const nodes: Proc[] = [];
  for (const n of [1, 2, 3]) nodes.push(await startRedis(dir, `cluster-${n}`, { cluster: true }));
  const create = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((p) => `127.0.0.1:${p.port}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 });
  if (create.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${create.stdout}${create.stderr}`);
  for (const p of nodes) await waitFor(`cluster state ok on ${p.port}`, async () => (await redisCommand(p.port, ['CLUSTER', 'INFO'])).includes('cluster_state:ok'), 20_000);
  return nodes;
}
