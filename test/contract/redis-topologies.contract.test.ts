import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ErrorCodes, GatewayError } from '../../gateway/errors.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { createStore, RedisStore } from '../../gateway/storage/index.js';
import { createTestPki, type TestPki } from '../helpers/certs.js';
import { missingBinary, redisCommand, SENTINEL_MASTER, startRedis, startRedisCluster, startSentinel, waitFor, type Proc } from '../helpers/ha-processes.js';
import { runStoreContract } from './store.contract.js';

/**
 * The KeyValueStore contract on the other ways a deployment runs Redis: behind Sentinel (the
 * redis package's Sentinel client) and over TLS with a CA file and a client certificate, each on
 * its own redis-server/redis-sentinel started here on free loopback ports (never the shared 6379).
 */
const missing = missingBinary(['redis-server', 'redis-sentinel', 'redis-cli']);
if (missing) console.warn(`Skipping the Sentinel and TLS Redis contracts: ${missing} is not installed`);
const describeIf = missing ? describe.skip : describe;

let dir: string;
let pki: TestPki;
const procs: Proc[] = [];
let tlsPort = 0;
let sentinelPort = 0;
let clusterNodes: Proc[] = [];
let files: { ca: string; client: { certFile: string; keyFile: string }; other: { certFile: string; keyFile: string } };
let storeCount = 0;
const prefix = () => `gw-topo:${process.pid}:${randomUUID().slice(0, 8)}:${storeCount++}:`;

describeIf('Redis behind Sentinel and over TLS', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'medmij-redis-topo-'));
    pki = await createTestPki();
    const server = await pki.issue('redis-server', { subjectCn: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const client = await pki.issue('redis-client', { subjectCn: 'gateway.redis-client' });
    const other = await pki.issue('redis-client-other-ca', { subjectCn: 'gateway.redis-client', issuer: 'otherCa' });
    files = { ca: pki.ca.certFile, client, other };
    const tlsRedis = await startRedis(dir, 'redis-tls', { tls: { certFile: server.certFile, keyFile: server.keyFile, caFile: pki.ca.certFile } });
    tlsPort = tlsRedis.port;
    const primary = await startRedis(dir, 'redis-primary');
    const replica = await startRedis(dir, 'redis-replica', { replicaOf: primary.port });
    procs.push(tlsRedis, primary, replica);
    for (const n of [1, 2, 3]) procs.push(await startSentinel(dir, `sentinel-${n}`, primary.port));
    sentinelPort = procs.at(-1)!.port;
    clusterNodes = await startRedisCluster(dir);
    procs.push(...clusterNodes);
    await waitFor('the sentinel to know the primary', async () => (await redisCommand(sentinelPort, ['SENTINEL', 'get-master-addr-by-name', SENTINEL_MASTER])).includes(String(primary.port)), 10_000);
  }, 60_000);

  afterAll(async () => {
    for (const p of procs.reverse()) await p.kill();
    await pki?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  runStoreContract('RedisStore through Sentinel', async () => {
    const store = new RedisStore({
      topology: { kind: 'sentinel', masterName: SENTINEL_MASTER, nodes: procs.filter((p) => p.name.startsWith('sentinel')).map((p) => ({ host: '127.0.0.1', port: p.port })) },
      keyPrefix: prefix(),
      // Generous: a Sentinel lookup then a primary connect, on a machine that may be loaded.
      connectTimeoutMs: 10_000,
      commandTimeoutMs: 5000,
    });
    await store.ready();
    return { store, cleanup: async () => { await store.clearPrefix(); await store.close(); } };
  });

  runStoreContract('RedisStore on a Redis Cluster', async () => {
    const store = new RedisStore({
      topology: { kind: 'cluster', nodes: clusterNodes.map((p) => `redis://127.0.0.1:${p.port}`) },
      keyPrefix: prefix(),
      // Generous: a Sentinel lookup then a primary connect, on a machine that may be loaded.
      connectTimeoutMs: 10_000,
      commandTimeoutMs: 5000,
    });
    await store.ready();
    // The nodes are thrown away after the run; SCAN-based clean-up is per node and not offered on a Cluster.
    return { store, cleanup: () => store.close() };
  });

  const tlsStore = async (client: { certFile: string; keyFile: string } | undefined, caFile = files.ca) =>
    createStore(
      {
        kind: 'redis',
        url: `rediss://127.0.0.1:${tlsPort}`,
        tls: { caFile, ...(client ? { certFile: client.certFile, keyFile: client.keyFile } : {}), serverName: 'localhost' },
        keyPrefix: prefix(),
        connectTimeoutMs: 1500,
        commandTimeoutMs: 1500,
      },
      createSilentLogger(),
    );

  runStoreContract('RedisStore over TLS with a CA file and a client certificate', async () => {
    const store = await tlsStore(files.client);
    return { store, cleanup: async () => { await (store as RedisStore).clearPrefix(); await (store as RedisStore).close(); } };
  });

  test('TLS without a client certificate is refused: the start fails closed with STORAGE_UNAVAILABLE', async () => {
    const error = await tlsStore(undefined).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe(ErrorCodes.STORAGE_UNAVAILABLE);
  }, 20_000);

  test('a Redis whose certificate another CA signed is refused', async () => {
    const error = await tlsStore(files.client, pki.otherCa.certFile).then(() => undefined, (e: unknown) => e);
    expect((error as GatewayError).code).toBe(ErrorCodes.STORAGE_UNAVAILABLE);
  }, 20_000);

  test('a client certificate from another CA is refused by Redis', async () => {
    const error = await tlsStore(files.other).then(() => undefined, (e: unknown) => e);
    expect((error as GatewayError).code).toBe(ErrorCodes.STORAGE_UNAVAILABLE);
  }, 20_000);
});
