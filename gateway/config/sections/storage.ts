import { z } from 'zod';
import type { ConfigFields } from './config-fields.js';

/**
 * Shared state (authorization codes, grants, sessions, last-good lists). `memory` is one process
 * only and lost on restart, so production refuses it (rules/production-safety.ts).
 *
 * Redis is reached in exactly one of three ways: one `url` (a single server, or a proxy in front
 * of one), `sentinel` (the `redis` package's Sentinel client follows failovers of the primary), or
 * `cluster` (its Cluster client). Every replica of the gateway must use the same Redis and prefix:
 * that is what lets a code issued by one replica be exchanged at another.
 */
export function storageSection(f: ConfigFields) {
  const hostPort = z.strictObject({ host: z.string().min(1), port: f.port.refine((p) => p > 0, 'a port above 0') });
  return z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('memory') }),
      z
        .strictObject({
          kind: z.literal('redis'),
          /** redis:// or rediss:// (TLS); credentials belong in an env reference, not in the file. */
          url: z.url({ protocol: /^rediss?$/ }).optional(),
          /** Redis Sentinel: the primary's name and at least one sentinel (list them all: any one may be down). */
          sentinel: z
            .strictObject({
              masterName: z.string().min(1),
              nodes: z.array(hostPort).min(1),
              /** For the sentinels themselves (requirepass in sentinel.conf), when they ask for one. */
              password: z.string().min(1).optional(),
            })
            .optional(),
          /** Redis Cluster: seed nodes (redis:// or rediss:// URLs); the client discovers the rest. */
          cluster: z.strictObject({ nodes: z.array(z.url({ protocol: /^rediss?$/ })).min(1) }).optional(),
          /** ACL user and password for the data nodes with sentinel/cluster (a `url` carries its own). */
          username: z.string().min(1).optional(),
          password: z.string().min(1).optional(),
          /**
           * TLS to Redis: the CA that signed the Redis servers' certificates, and a client
           * certificate when Redis asks for one (tls-auth-clients). Implies TLS for every node.
           */
          tls: z
            .strictObject({
              caFile: f.filePath,
              certFile: f.filePath.optional(),
              keyFile: f.filePath.optional(),
              /** The name to check the server certificate against, when it differs from the host connected to. */
              serverName: z.string().min(1).optional(),
            })
            .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), 'certFile and keyFile go together')
            .optional(),
          /** Prepended to every key, so several gateways can share one Redis. */
          keyPrefix: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'letters, digits and : _ . - (at most 64)').default('medmij:'),
          /** How long start-up waits for the first connection before refusing to start. */
          connectTimeoutMs: z.number().int().positive().max(60_000).default(5000),
          /** A command that has no answer within this time fails with STORAGE_UNAVAILABLE. */
          commandTimeoutMs: z.number().int().positive().max(30_000).default(2000),
          /**
           * /ready reports not ready while Redis keeps nothing on disk (a restart would erase every
           * long-term consent). Unset = required in production only (storage/persistence-check.ts).
           */
          requirePersistence: z.boolean().optional(),
        })
        .refine((r) => [r.url, r.sentinel, r.cluster].filter((x) => x !== undefined).length === 1, 'name exactly one of url, sentinel or cluster'),
    ])
    .default({ kind: 'memory' });
}

export type StorageConfig = z.output<ReturnType<typeof storageSection>>;
