import { z } from 'zod';
import type { ConfigFields } from './config-fields.js';

/**
 * The two TLS listeners. MedMij decides the split: the node interface (token and resource
 * endpoints) asks every peer for a client certificate and checks it against the Whitelist; the
 * patient interface (authorization endpoint, login and consent pages) is frontchannel and must not
 * ask browsers for one (digest §5.2, §5.3).
 */
export function listenersSection(f: ConfigFields) {
  const listener = (defaults: { port: number; publicUrl: string }) =>
    z
      .strictObject({
        host: z.string().min(1).default('127.0.0.1'),
        port: f.port.default(defaults.port),
        /** The URL PGOs and browsers use; it goes into metadata, the ZAL entries and Bundle links. */
        publicUrl: f.httpsUrl.default(defaults.publicUrl),
      })
      .prefault({});

  return z
    .strictObject({
      node: listener({ port: 9443, publicUrl: 'https://localhost:9443' }),
      patient: listener({ port: 8443, publicUrl: 'https://localhost:8443' }),
    })
    .prefault({});
}
