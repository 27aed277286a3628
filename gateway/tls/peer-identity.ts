import { createHash, type X509Certificate } from 'node:crypto';
import { isHostname, parseDnsAltNames } from './parse-dns-alt-names.js';

/** Who is on the other end of a node-interface request, as its client certificate says. */
export interface PeerIdentity {
  /** Lowercase DNS names: the Common Name (when it is a host name) and every DNS SAN. */
  readonly hostnames: readonly string[];
  readonly commonName?: string;
  /** base64url SHA-256 of the certificate's DER: RFC 8705 §3.1 `x5t#S256` for bound tokens. */
  readonly fingerprintSha256: string;
  readonly validTo: Date;
  /** A direct TLS connection, or a TLS-terminating proxy we trust (require-forwarded-peer.ts). */
  readonly via: 'tls' | 'proxy';
}

/** PeerIdentity plus what the checks need but callers do not. */
export interface ParsedPeer {
  readonly identity: PeerIdentity;
  readonly validFrom: Date;
}

/**
 * Reads the identity out of a peer certificate: pure, no trust decision. The Common Name counts
 * only when the subject has exactly one and it is a host name (MedMij checks "CN or any SAN",
 * digest §5.3); with several CNs we cannot tell which one a CA vouched for, so none counts.
 */
export function parsePeerIdentity(cert: X509Certificate, via: 'tls' | 'proxy'): ParsedPeer {
  const parsed = readPeerIdentity(cert, via);
  certificates.set(parsed.identity, cert);
  return parsed;
}

// The certificate behind each identity, for RFC 8705 binding in oidc-provider (it hashes the
// certificate itself). A WeakMap rather than a field, so the certificate never lands in a log
// line that serialises an identity.
const certificates = new WeakMap<PeerIdentity, X509Certificate>();

/** The certificate an identity was read from (undefined for an identity made elsewhere). */
export function certificateOf(identity: PeerIdentity): X509Certificate | undefined {
  return certificates.get(identity);
}

function readPeerIdentity(cert: X509Certificate, via: 'tls' | 'proxy'): ParsedPeer {
  const cns = cert.subject
    .split('\n')
    .filter((line) => line.startsWith('CN='))
    .map((line) => line.slice(3).toLowerCase());
  const cn = cns.length === 1 && cns[0] !== undefined && isHostname(cns[0]) ? cns[0] : undefined;
  const hostnames = [...new Set([...(cn === undefined ? [] : [cn]), ...parseDnsAltNames(cert.subjectAltName)])];
  const identity: PeerIdentity = Object.freeze({
    hostnames: Object.freeze(hostnames),
    ...(cn === undefined ? {} : { commonName: cn }),
    fingerprintSha256: createHash('sha256').update(cert.raw).digest('base64url'),
    validTo: new Date(cert.validTo),
    via,
  });
  return Object.freeze({ identity, validFrom: new Date(cert.validFrom) });
}

/** For audit records: the names, or nothing when the certificate names no host. */
export function peerHostOf(identity: PeerIdentity | undefined): string | undefined {
  return identity && identity.hostnames.length > 0 ? identity.hostnames.join(',') : undefined;
}
