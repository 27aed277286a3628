import type { IncomingMessage } from 'node:http';

/** The TLS peer of a node-listener request, as gateway/tls identifies it. */
export interface PeerIdentity {
  readonly hostnames: readonly string[];
  /** SHA-256 of the DER certificate: Node's colon hex, plain hex or base64url (see thumbprint.ts). */
  readonly fingerprintSha256: string;
}

export type PeerOf = (req: IncomingMessage) => PeerIdentity | undefined;
