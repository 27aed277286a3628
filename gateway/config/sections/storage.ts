import { z } from 'zod';

/**
 * Shared state (authorization codes, grants, sessions, last-good lists). `memory` is one process
 * only and lost on restart, so production refuses it (rules/production-safety.ts).
 */
export function storageSection() {
  return z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('memory') }),
      z.strictObject({
        kind: z.literal('redis'),
        /** redis:// or rediss:// (TLS); credentials belong in an env reference, not in the file. */
        url: z.url({ protocol: /^rediss?$/ }),
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
      }),
    ])
    .default({ kind: 'memory' });
}

export type StorageConfig = z.output<ReturnType<typeof storageSection>>;
