import { z } from 'zod';
import type { ConfigFields } from './config-fields.js';

/** Where the four MedMij lists come from and how often they are refreshed (digest §4.1). */
export function listsSection(f: ConfigFields) {
  const list = (maxRefreshSeconds: number) =>
    z.strictObject({
      source: f.httpsUrlOrFile,
      /** MedMij: the Whitelist is fetched at least every 15 minutes (digest §4.1). */
      refreshSeconds: z.number().int().min(5).max(maxRefreshSeconds).default(Math.min(900, maxRefreshSeconds)),
      /** After this age without a good fetch, the list is no longer in force: fail closed. */
      maxAgeSeconds: z.number().int().positive().default(8 * 3600),
    });

  return z.strictObject({
    whitelist: list(900),
    oauthClientList: list(86_400),
    zorgaanbiederslijst: list(86_400),
    gegevensdienstnamenlijst: list(86_400),
    fetch: z
      .strictObject({
        timeoutMs: z.number().int().positive().default(10_000),
        maxBytes: z.number().int().positive().max(100 * 1024 * 1024).default(10 * 1024 * 1024),
        /** Trust anchors for the list server; Node's defaults when absent. */
        caFile: f.filePath.optional(),
        /** Some list servers require the node's PKIoverheid client certificate (digest §4.1). */
        clientCertFile: f.filePath.optional(),
        clientKeyFile: f.filePath.optional(),
      })
      .prefault({})
      .refine((x) => (x.clientCertFile === undefined) === (x.clientKeyFile === undefined), {
        message: 'clientCertFile and clientKeyFile go together',
        path: ['clientCertFile'],
      }),
  });
}
