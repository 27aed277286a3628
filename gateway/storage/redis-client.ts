import { readFile } from 'node:fs/promises';
import { createClient, createCluster, createSentinel } from 'redis';

/**
 * @module The one place that creates a Redis connection (house rule 1: the only import of
 * `redis`), for the three ways a deployment runs Redis: one server (`url`), a primary watched by
 * Sentinel (the package's Sentinel client follows a failover to the promoted replica), or a
 * Cluster (the package's Cluster client follows slots and redirects). TLS settings and the
 * fail-closed behaviour (no offline queue, bounded reconnect back-off) are the same for all three,
 * so RedisStore does not know which one it talks to.
 */

/** Where Redis is; exactly one of the three (the config schema guarantees it). */
export type RedisTopology =
  | { readonly kind: 'single'; readonly url: string }
  | { readonly kind: 'sentinel'; readonly masterName: string; readonly nodes: ReadonlyArray<{ readonly host: string; readonly port: number }>; readonly sentinelPassword?: string }
  | { readonly kind: 'cluster'; readonly nodes: readonly string[] };

export interface RedisTlsFiles {
  readonly caFile: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly serverName?: string;
}

export interface RedisConnectionOptions {
  readonly topology: RedisTopology;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: RedisTlsMaterial;
  readonly connectTimeoutMs: number;
  readonly maxReconnectDelayMs: number;
}

/** PEM contents, read once at start (a changed CA needs a restart, like the other TLS material of Redis). */
export interface RedisTlsMaterial {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
  readonly serverName?: string;
}

/** A MULTI transaction: the commands queued in it, then EXEC. */
export interface RedisTransaction {
  sAdd(key: string, member: string): RedisTransaction;
  pExpire(key: string, ms: number): RedisTransaction;
  xAdd(key: string, id: string, fields: Record<string, string>): RedisTransaction;
  exec(): Promise<unknown[]>;
}

/** The commands RedisStore uses; each of the three clients has them with these shapes. */
export interface RedisConnection {
  readonly isReady: boolean;
  on(event: 'error', listener: (err: unknown) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  connect(): Promise<unknown>;
  close(): Promise<unknown>;
  destroy(): unknown;
  get(key: string): Promise<string | null>;
  /** A Buffer value is sent as it is (node-redis takes string or Buffer arguments). */
  set(key: string, value: string | Buffer, options?: object): Promise<string | null>;
  getDel(key: string): Promise<string | null>;
  del(keys: string | string[]): Promise<number>;
  sAdd(key: string, member: string): Promise<number>;
  multi(): RedisTransaction;
  sMembers(key: string): Promise<unknown>;
  ping(): Promise<string>;
  unlink(keys: string | string[]): Promise<number>;
  /** INFO and CONFIG GET: the persistence readiness check (storage/persistence-check.ts). */
  info(section?: string): Promise<string>;
  configGet(parameter: string): Promise<unknown>;
  /** Streams: the durable outbox of gateway/ketenlog. */
  xRange(key: string, start: string, end: string, options?: { COUNT: number }): Promise<Array<{ id: string; message: Record<string, string> }>>;
  xDel(key: string, ids: string[]): Promise<number>;
  xLen(key: string): Promise<number>;
  /** Absent on the Cluster client (a scan is per node); RedisStore.clearPrefix refuses it there. */
  scanIterator?(options: { MATCH: string; COUNT: number }): AsyncIterable<string[]>;
}

export async function readRedisTls(files: RedisTlsFiles): Promise<RedisTlsMaterial> {
  const [ca, cert, key] = await Promise.all([
    readFile(files.caFile, 'utf8'),
    files.certFile === undefined ? undefined : readFile(files.certFile, 'utf8'),
    files.keyFile === undefined ? undefined : readFile(files.keyFile, 'utf8'),
  ]);
  return { ca, ...(cert === undefined ? {} : { cert }), ...(key === undefined ? {} : { key }), ...(files.serverName === undefined ? {} : { serverName: files.serverName }) };
}

export function createRedisConnection(options: RedisConnectionOptions): RedisConnection {
  const socket = {
    connectTimeout: options.connectTimeoutMs,
    // Exponential back-off with jitter, capped: never gives up (Redis may come back), never spins.
    reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, options.maxReconnectDelayMs) + Math.floor(Math.random() * 50),
    ...(options.tls === undefined
      ? {}
      : {
          tls: true as const,
          ca: options.tls.ca,
          ...(options.tls.cert === undefined ? {} : { cert: options.tls.cert, key: options.tls.key }),
          ...(options.tls.serverName === undefined ? {} : { servername: options.tls.serverName }),
        }),
  };
  const auth = { ...(options.username === undefined ? {} : { username: options.username }), ...(options.password === undefined ? {} : { password: options.password }) };
  // No offline queue: while Redis is unreachable a command fails at once instead of waiting to be
  // replayed later (an authorization code must not be redeemed minutes after the request).
  const node = { disableOfflineQueue: true, socket, ...auth };
  const topology = options.topology;
  switch (topology.kind) {
    case 'single':
      return createClient({ url: topology.url, ...node }) as unknown as RedisConnection;
    case 'sentinel':
      return createSentinel({
        name: topology.masterName,
        sentinelRootNodes: topology.nodes.map((n) => ({ host: n.host, port: n.port })),
        nodeClientOptions: node,
        sentinelClientOptions: { socket, ...(topology.sentinelPassword === undefined ? {} : { password: topology.sentinelPassword }) },
        // A lost primary is looked up again at the sentinels, not retried on the dead address.
        maxCommandRediscovers: 2,
      }) as unknown as RedisConnection;
    case 'cluster':
      return createCluster({ rootNodes: topology.nodes.map((url) => ({ url })), defaults: node }) as unknown as RedisConnection;
  }
}
