import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Whether redis-server is installed; tests that start their own Redis skip with a reason otherwise. */
export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

export interface OwnRedis {
  readonly port: number;
  readonly url: string;
  /** Stops the server (SIGTERM; a persisting one writes its data first) and waits for the exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and folder (a persisting one reloads its data). */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
}

/**
 * A Redis of the test's own on a free loopback port, in a temp folder, never the shared one: so a
 * test may stop, restart or reconfigure it. `persist: true` keeps data on disk (appendonly, as the
 * README's production section asks); `persist: false` keeps nothing, like the shared dev Redis.
 */
export async function startOwnRedis(options: { persist: boolean }): Promise<OwnRedis> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gw-own-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', '--protected-mode', 'yes',
    '--save', '', '--appendonly', options.persist ? 'yes' : 'no', '--appendfsync', 'always', '--logfile', path.join(dir, 'redis.log'),
  ];
  const start = async () => {
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    child = proc;
    await waitForPong(port, 10_000);
  };
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPong(port: number, maxMs: number): Promise<void> {
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => s.write('PING\r\n'));
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      s.once('error', () => resolve(false));
      setTimeout(() => {
        s.destroy();
        resolve(false);
      }, 500).unref();
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`own redis-server on port ${port} did not answer PING within ${maxMs} ms`);
}
