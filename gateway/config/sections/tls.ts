import { z } from 'zod';
import type { ConfigFields } from './config-fields.js';

/** TLS material of both listeners, and the optional TLS-terminating proxy in front of them. */
export function tlsSection(f: ConfigFields) {
  const trustedProxy = z
    .strictObject({
      enabled: z.boolean().default(false),
      /** Only connections from these addresses may forward a client certificate. */
      addresses: z.array(z.union([z.ipv4(), z.ipv6()])).default([]),
      /** Header holding the URL-encoded PEM of the client certificate the proxy verified. */
      clientCertHeader: z.string().regex(/^[a-z0-9-]+$/, 'lowercase header name').default('x-ssl-client-cert'),
    })
    .prefault({})
    // Fail closed: an enabled proxy with no address list would let anyone forge the header.
    .refine((p) => !p.enabled || p.addresses.length > 0, {
      message: 'trustedProxy.enabled needs at least one address',
      path: ['addresses'],
    });

  /**
   * Connection budget of one listener (issue 9, finding 1). The node defaults leave room for
   * every PGO's connection pool (a PGO server keeps a few dozen at most); the patient defaults
   * allow many browsers behind one carrier-grade NAT address.
   */
  const connectionLimits = (d: { maxPerAddress: number; maxTotal: number }) =>
    z
      .strictObject({
        maxPerAddress: z.number().int().min(1).max(100_000).default(d.maxPerAddress),
        maxTotal: z.number().int().min(1).max(100_000).default(d.maxTotal),
        handshakeTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
        firstRequestTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
      })
      .prefault({})
      .refine((l) => l.maxPerAddress <= l.maxTotal, { message: 'maxPerAddress cannot exceed maxTotal', path: ['maxPerAddress'] });

  return z
    .strictObject({
      certFile: f.filePath,
      keyFile: f.filePath,
      /** Trust anchors for client certificates on the node interface (PKIoverheid Private G1 in production, digest §5.2). */
      clientCaFile: f.filePath,
      /** The patient interface may present its own (publicly trusted OV) certificate (digest §5.2). */
      patientCertFile: f.filePath.optional(),
      patientKeyFile: f.filePath.optional(),
      /** MedMij: TLS 1.2 must be supported, 1.3 where possible (digest §5.1). */
      minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
      /** Generate the development PKI into these files when they are missing. Never in production. */
      generateDevCertificates: z.boolean().default(false),
      /** Reload certificate and key files when they change (SIGHUP always reloads). */
      watchFiles: z.boolean().default(true),
      trustedProxy,
      connectionLimits: z
        .strictObject({
          node: connectionLimits({ maxPerAddress: 64, maxTotal: 2048 }),
          patient: connectionLimits({ maxPerAddress: 256, maxTotal: 4096 }),
        })
        .prefault({}),
    })
    .refine((t) => (t.patientCertFile === undefined) === (t.patientKeyFile === undefined), {
      message: 'patientCertFile and patientKeyFile go together',
      path: ['patientCertFile'],
    });
}
