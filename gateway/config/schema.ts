import path from 'node:path';
import { z } from 'zod';

/**
 * The one schema of config/gateway.yaml. Every section is strict (unknown keys are errors) and
 * every default lives here. Relative file paths are resolved against the config file's folder,
 * so a config works whatever the working directory.
 *
 * Production safety (oidc-provider's "mustChange" idea): settings that are only fit for a laptop
 * are refused when `mode: production`, in `refineProductionSafety` below.
 */
export function createConfigSchema(baseDir: string) {
  const filePath = z
    .string()
    .min(1)
    .transform((p) => path.resolve(baseDir, p));

  /** A list comes from a file (development, tests, air-gapped installs) or an HTTPS URL. */
  const listSource = z
    .string()
    .min(1)
    .transform((s) => (/^https:\/\//i.test(s) ? s : path.resolve(baseDir, s)))
    .refine((s) => !/^http:\/\//i.test(s), 'lists are fetched over https only');

  const list = (maxRefreshSeconds: number) =>
    z.strictObject({
      source: listSource,
      /** MedMij: the Whitelist is fetched at least every 15 minutes (digest §4.1). */
      refreshSeconds: z.number().int().min(5).max(maxRefreshSeconds).default(Math.min(900, maxRefreshSeconds)),
      /** After this age without a good fetch, the list is no longer in force: fail closed. */
      maxAgeSeconds: z.number().int().positive().default(8 * 3600),
    });

  const listener = (defaults: { port: number; publicUrl: string }) =>
    z
      .strictObject({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(defaults.port),
        /** The URL PGOs and browsers use; it goes into metadata, the ZAL entries and Bundle links. */
        publicUrl: z.url({ protocol: /^https$/ }).default(defaults.publicUrl),
      })
      .prefault({});

  const trustedProxy = z
    .strictObject({
      enabled: z.boolean().default(false),
      /** Only connections from these addresses may forward a client certificate. */
      addresses: z.array(z.union([z.ipv4(), z.ipv6()])).default([]),
      /** Header holding the URL-encoded PEM of the client certificate the proxy verified. */
      clientCertHeader: z.string().regex(/^[a-z0-9-]+$/).default('x-ssl-client-cert'),
    })
    .prefault({})
    .refine((p) => !p.enabled || p.addresses.length > 0, {
      message: 'trustedProxy.enabled needs at least one address',
      path: ['addresses'],
    });

  const tls = z
    .strictObject({
      certFile: filePath,
      keyFile: filePath,
      /** Trust anchors for client certificates on the node interface (PKIoverheid Private G1 in production). */
      clientCaFile: filePath,
      /** The patient interface may present its own (publicly trusted OV) certificate. */
      patientCertFile: filePath.optional(),
      patientKeyFile: filePath.optional(),
      minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
      /** Generate the development PKI into this folder when the files are missing. Never in production. */
      generateDevCertificates: z.boolean().default(false),
      /** Reload certificate and key files when they change (SIGHUP always reloads). */
      watchFiles: z.boolean().default(true),
      trustedProxy,
    })
    .refine((t) => (t.patientCertFile === undefined) === (t.patientKeyFile === undefined), {
      message: 'patientCertFile and patientKeyFile go together',
      path: ['patientCertFile'],
    });

  const storage = z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('memory') }),
    z.strictObject({
      kind: z.literal('redis'),
      url: z.url({ protocol: /^rediss?$/ }),
      keyPrefix: z.string().default('medmij:'),
      connectTimeoutMs: z.number().int().positive().default(5000),
    }),
  ]);

  const logging = z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** Where audit records go: `stdout`, `stderr`, or a file path. A separate stream from the log. */
      audit: z.string().min(1).default('stderr'),
    })
    .prefault({});

  const operations = z
    .strictObject({
      /** Plain HTTP for /health, /ready and /metrics: bind it to loopback or a private network only. */
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(9090),
      metrics: z.boolean().default(true),
    })
    .prefault({});

  const service = z.strictObject({
    /** The GegevensdienstId as on the Gegevensdienstnamenlijst, e.g. "48" for BgZ. */
    id: z.string().regex(/^[A-Za-z0-9.-]{1,30}$/),
    /** Key of the information standard's query catalogue, e.g. `bgz-3` or `mp9-3.0`. */
    standard: z.string().min(1),
    fhirVersion: z.enum(['STU3', 'R4']),
    /** id of an entry under `adapters`. */
    adapter: z.string().min(1),
    /** Deadline for one adapter call; MedMij allows 60 s for the whole answer. */
    timeoutMs: z.number().int().positive().max(55_000).default(20_000),
  });

  const provider = z.strictObject({
    /** MedMij name without `@medmij`, as PGOs put it in the scope. */
    name: z.string().regex(/^[a-z0-9]+([.-][a-z0-9]+)*$/, 'lowercase letters, digits, dots and dashes'),
    displayName: z.string().min(1).max(100),
    /** Shown on the technical-failure page (MedMij "Technische storing"). */
    supportPhone: z.string().min(1),
    services: z.array(service).min(1),
  });

  /** Adapter blocks: `id` and `kind` here; each kind's own keys are validated by its factory. */
  const adapter = z.looseObject({ id: z.string().regex(/^[a-z0-9-]+$/), kind: z.string().min(1) });

  return z
    .strictObject({
      mode: z.enum(['development', 'test', 'production']).default('development'),
      listeners: z
        .strictObject({
          node: listener({ port: 9443, publicUrl: 'https://localhost:9443' }),
          patient: listener({ port: 8443, publicUrl: 'https://localhost:8443' }),
        })
        .prefault({}),
      operations,
      tls,
      lists: z.strictObject({
        whitelist: list(900),
        oauthClientList: list(86_400),
        zorgaanbiederslijst: list(86_400),
        gegevensdienstnamenlijst: list(86_400),
        fetch: z
          .strictObject({
            timeoutMs: z.number().int().positive().default(10_000),
            maxBytes: z.number().int().positive().max(100 * 1024 * 1024).default(10 * 1024 * 1024),
            /** Trust anchors for the list server; Node's defaults when absent. */
            caFile: filePath.optional(),
            /** Some list servers require the node's PKIoverheid client certificate. */
            clientCertFile: filePath.optional(),
            clientKeyFile: filePath.optional(),
          })
          .prefault({}),
      }),
      storage: storage.default({ kind: 'memory' }),
      logging,
      providers: z.array(provider).default([]),
      adapters: z.array(adapter).default([]),
    })
    .superRefine(refineProductionSafety)
    .superRefine(refineReferences);
}

export type GatewayConfig = z.output<ReturnType<typeof createConfigSchema>>;

type Ctx = z.RefinementCtx;

function refineProductionSafety(c: GatewayConfigDraft, ctx: Ctx): void {
  if (c.mode !== 'production') return;
  const refuse = (p: (string | number)[], why: string) =>
    ctx.addIssue({ code: 'custom', path: p, message: `refused in production: ${why}` });
  if (c.storage.kind === 'memory') refuse(['storage', 'kind'], 'in-memory storage is lost on restart and not shared');
  if (c.tls.generateDevCertificates) refuse(['tls', 'generateDevCertificates'], 'development certificates');
  for (const [i, a] of c.adapters.entries()) {
    if (a.kind === 'demo') refuse(['adapters', i, 'kind'], 'the demo EHR holds synthetic patients only');
  }
}

function refineReferences(c: GatewayConfigDraft, ctx: Ctx): void {
  const adapterIds = new Set<string>();
  for (const [i, a] of c.adapters.entries()) {
    if (adapterIds.has(a.id)) ctx.addIssue({ code: 'custom', path: ['adapters', i, 'id'], message: `duplicate adapter id "${a.id}"` });
    adapterIds.add(a.id);
  }
  const names = new Set<string>();
  for (const [i, p] of c.providers.entries()) {
    if (names.has(p.name)) ctx.addIssue({ code: 'custom', path: ['providers', i, 'name'], message: `duplicate provider "${p.name}"` });
    names.add(p.name);
    const ids = new Set<string>();
    for (const [j, s] of p.services.entries()) {
      if (ids.has(s.id)) ctx.addIssue({ code: 'custom', path: ['providers', i, 'services', j, 'id'], message: `duplicate service id "${s.id}"` });
      ids.add(s.id);
      if (!adapterIds.has(s.adapter)) {
        ctx.addIssue({ code: 'custom', path: ['providers', i, 'services', j, 'adapter'], message: `no adapter with id "${s.adapter}"` });
      }
    }
  }
}

/** The shape the refinements see (after defaults, before freezing). */
interface GatewayConfigDraft {
  mode: 'development' | 'test' | 'production';
  storage: { kind: string };
  tls: { generateDevCertificates: boolean };
  adapters: Array<{ id: string; kind: string }>;
  providers: Array<{ name: string; services: Array<{ id: string; adapter: string }> }>;
}
