import { z } from 'zod';

/**
 * How the gateway reaches an upstream HTTP service (a FHIR API or a vendor XML service): base URL,
 * deadline, size cap, TLS trust and authentication. Shared by the fhir and xml adapter kinds.
 * Secrets arrive as `${env:NAME}` references, resolved by the config loader before this parse.
 */
const secret = z.string().min(1);

export const upstreamAuthSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  /** A static token the EHR vendor issued to the gateway. */
  z.strictObject({ kind: z.literal('bearer'), token: secret }),
  /** OAuth 2.0 client credentials grant (RFC 6749 §4.4); the token is cached until shortly before expiry. */
  z.strictObject({
    kind: z.literal('client-credentials'),
    tokenUrl: z.url({ protocol: /^https?$/ }),
    clientId: z.string().min(1),
    clientSecret: secret,
    scope: z.string().min(1).optional(),
    /** client_secret_basic (RFC 6749 §2.3.1) or client_secret_post. */
    method: z.enum(['basic', 'post']).default('basic'),
  }),
  /** Mutual TLS: the gateway presents its own certificate to the EHR. */
  z.strictObject({ kind: z.literal('client-certificate'), certFile: z.string().min(1), keyFile: z.string().min(1) }),
]);

export const upstreamHttpSchema = z.strictObject({
  /** Base URL of the upstream service, e.g. https://ehr.internal/fhir. No query, no fragment. */
  baseUrl: z
    .url({ protocol: /^https?$/ })
    .refine((u) => !u.includes('?') && !u.includes('#'), 'no query or fragment')
    .transform((u) => u.replace(/\/+$/, '')),
  /** Per upstream request; the request deadline (ctx.signal) still applies. */
  timeoutMs: z.number().int().positive().max(55_000).default(10_000),
  /** Cap on one upstream answer; a bigger one is refused, never buffered whole. */
  maxBytes: z.number().int().positive().max(200 * 1024 * 1024).default(20 * 1024 * 1024),
  /** Trust anchors for the upstream server (an internal CA); Node's defaults when absent. */
  caFile: z.string().min(1).optional(),
  /** Keep-alive connections to the upstream host. */
  maxConnections: z.number().int().positive().max(256).default(16),
  auth: upstreamAuthSchema.default({ kind: 'none' }),
});

export type UpstreamAuthConfig = z.output<typeof upstreamAuthSchema>;
export type UpstreamHttpConfig = z.output<typeof upstreamHttpSchema>;
