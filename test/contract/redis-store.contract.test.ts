import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { ErrorCodes, GatewayError } from '../../gateway/errors.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { createStore, RedisStore, type RedisStoreOptions } from '../../gateway/storage/index.js';
import { redisReachable, TEST_REDIS_URL } from '../helpers/redis.js';
import { runStoreContract } from './store.contract.js';

// GW_TEST_REDIS_URL lets a developer point the suite elsewhere (or check the skip path).
const REDIS_URL = TEST_REDIS_URL;
const runId = `gw-test:${process.pid}:${randomUUID().slice(0, 8)}`;
let storeCount = 0;

const options = (over: Partial<RedisStoreOptions> = {}): RedisStoreOptions => ({
  url: REDIS_URL,
  keyPrefix: `${runId}:${storeCount++}:`,
  connectTimeoutMs: 1000,
  commandTimeoutMs: 1000,
  ...over,
});


const reachable = await redisReachable();

if (reachable) {
  runStoreContract('RedisStore', async () => {
    const store = new RedisStore(options());
    await store.ready();
    return {
      store,
      cleanup: async () => {
        await store.clearPrefix();
        await store.close();
      },
    };
  });
} else if (process.env['CI'] === 'true') {
  // In CI a missing Redis is a broken pipeline, not a reason to skip the suite.
  it(`RedisStore contract needs Redis at ${REDIS_URL}`, () => {
    throw new Error(`no Redis reachable at ${REDIS_URL} in CI`);
  });
} else {
  console.warn(`Skipping the RedisStore contract: no Redis reachable at ${REDIS_URL}`);
  describe.skip('KeyValueStore contract: RedisStore (no Redis reachable)', () => {
    it('skipped', () => undefined);
  });
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function expectUnavailable(promise: Promise<unknown>): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GatewayError);
  expect((err as GatewayError).code).toBe(ErrorCodes.STORAGE_UNAVAILABLE);
}

describe('RedisStore fails closed (no Redis needed)', () => {
  it('against a closed port: ping() is false and commands reject with STORAGE_UNAVAILABLE, quickly', async () => {
    const port = await closedPort();
    const store = new RedisStore(options({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 500, commandTimeoutMs: 500 }));
    try {
      const started = Date.now();
      expect(await store.ping()).toBe(false);
      await expectUnavailable(store.get('k'));
      await expectUnavailable(store.set('k', 'v'));
      await expectUnavailable(store.take('k'));
      await expectUnavailable(store.addToSet('s', 'm', 1000));
      await expectUnavailable(store.ready(300));
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await store.close();
    }
  });

  it('against a server that accepts but never answers: no command hangs', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const store = new RedisStore(options({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 300, commandTimeoutMs: 300 }));
    try {
      const started = Date.now();
      await expectUnavailable(store.ready(500));
      expect(await store.ping()).toBe(false);
      await expectUnavailable(store.get('k'));
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await store.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('createStore refuses to start when Redis is unreachable within connectTimeoutMs', async () => {
    const port = await closedPort();
    const started = Date.now();
    await expectUnavailable(
      createStore({ kind: 'redis', url: `redis://127.0.0.1:${port}`, keyPrefix: 'x:', connectTimeoutMs: 400, commandTimeoutMs: 400 }, createSilentLogger()),
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

(reachable ? describe : describe.skip)('RedisStore when Redis goes away and comes back (through a loopback proxy)', () => {
  it('fails closed while the link is down and recovers when it returns', async () => {
    const upstream = new URL(REDIS_URL);
    const links = new Set<net.Socket>();
    const startProxy = (port: number) => {
      const server = net.createServer((client) => {
        const redis = net.connect(Number(upstream.port), upstream.hostname);
        links.add(client).add(redis);
        client.pipe(redis).pipe(client);
        const drop = () => {
          client.destroy();
          redis.destroy();
        };
        client.on('error', drop).on('close', drop);
        redis.on('error', drop).on('close', drop);
      });
      return new Promise<net.Server>((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
    };
    const stopProxy = async (server: net.Server) => {
      for (const s of links) s.destroy();
      links.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };

    let proxy = await startProxy(0);
    const { port } = proxy.address() as net.AddressInfo;
    const store = new RedisStore(options({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 500, maxReconnectDelayMs: 200 }));
    try {
      await store.ready();
      await store.set('k', 'v', 10_000);
      expect(await store.get('k')).toBe('v');

      await stopProxy(proxy);
      const started = Date.now();
      await expectUnavailable(store.get('k'));
      expect(await store.ping()).toBe(false);
      expect(Date.now() - started).toBeLessThan(1500);

      proxy = await startProxy(port);
      await store.ready(3000);
      expect(await store.ping()).toBe(true);
      expect(await store.get('k')).toBe('v');
      await store.clearPrefix();
    } finally {
      await store.close();
      await stopProxy(proxy);
    }
  });
});
