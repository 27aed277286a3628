import { X509Certificate } from 'node:crypto';
import { isIPv4 } from 'node:net';
import type { RequestHandler } from 'express';
import type { Whitelist } from '../lists/index.js';
import type { AuditLog } from '../observability/index.js';
import type { Logger } from '../observability/index.js';
import type { CertificateVerifier } from './create-certificate-verifier.js';
import { judgePeer, type RefusalReason } from './judge-peer.js';
import { parsePeerIdentity, peerHostOf, type PeerIdentity } from './peer-identity.js';
import { peerOf, rememberRequestPeer } from './peer-of.js';
import { recordRefusal } from './record-refusal.js';

export interface ForwardedPeerOptions {
  /** Socket addresses of the TLS-terminating proxies (config tls.trustedProxy.addresses). */
  readonly trustedAddresses: readonly string[];
  /** Lowercase header name (config tls.trustedProxy.clientCertHeader). */
  readonly header: string;
  readonly currentWhitelist: () => Whitelist | undefined;
  readonly verifyCert: CertificateVerifier;
  readonly audit: AuditLog;
  readonly log: Logger;
  readonly now?: () => Date;
}

/** One PEM certificate is about 2 kB; URL-encoding triples that at most. Anything bigger is not a leaf. */
const MAX_HEADER_BYTES = 16 * 1024;
const PEM_ONE_CERT = /^\s*-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*$/;

type Outcome = { ok: true; identity: PeerIdentity } | { ok: false; reason: RefusalReason; identity?: PeerIdentity; detail: string };

/** `::ffff:10.0.0.1` (IPv4 on a dual-stack socket) and `10.0.0.1` are the same peer. */
function normaliseAddress(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && isIPv4(lower.slice(7)) ? lower.slice(7) : lower;
}

/**
 * For a node interface behind a proxy that terminated TLS (off by default): the proxy passes the
 * client certificate it verified in a header, and this middleware applies the same rules as
 * whitelist-guard.ts to it: chain to our CA, validity now, CN or DNS SAN on the Whitelist in force.
 * Only a request whose socket comes from a trusted proxy address may carry the header; from any
 * other address the header is an attempt to impersonate a PGO. Every failure destroys the
 * connection without an HTTP answer (digest §5.3: the untrusted party is not told why) and is
 * audited like a refused handshake.
 * A direct mTLS connection that the guard already accepted passes through unchanged.
 */
export function requireForwardedPeer(options: ForwardedPeerOptions): RequestHandler {
  const trusted = new Set(options.trustedAddresses.map((a) => normaliseAddress(a)));
  const header = options.header.toLowerCase();
  const now = options.now ?? (() => new Date());

  const judge = (raw: string | string[] | undefined, fromTrusted: boolean): Outcome => {
    if (raw !== undefined && !fromTrusted) return { ok: false, reason: 'untrusted', detail: 'forwarded_cert_from_untrusted_address' };
    // Node joins repeated headers with ", " (or gives an array): either way not one certificate.
    if (raw === undefined || raw === '' || raw === '(null)' || raw === '-') return { ok: false, reason: 'no_certificate', detail: 'forwarded' };
    if (Array.isArray(raw) || raw.length > MAX_HEADER_BYTES) return { ok: false, reason: 'untrusted', detail: 'forwarded_cert_malformed' };
    let pem: string;
    try {
      pem = decodeURIComponent(raw);
    } catch {
      return { ok: false, reason: 'untrusted', detail: 'forwarded_cert_malformed' };
    }
    if (!PEM_ONE_CERT.test(pem)) return { ok: false, reason: 'untrusted', detail: 'forwarded_cert_malformed' };
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(pem);
    } catch {
      return { ok: false, reason: 'untrusted', detail: 'forwarded_cert_malformed' };
    }
    const parsed = parsePeerIdentity(cert, 'proxy');
    const chain = options.verifyCert(cert);
    if (chain !== 'ok') return { ok: false, reason: chain, identity: parsed.identity, detail: 'forwarded' };
    const reason = judgePeer(parsed, options.currentWhitelist(), now());
    return reason === undefined ? { ok: true, identity: parsed.identity } : { ok: false, reason, identity: parsed.identity, detail: 'forwarded' };
  };

  return (req, _res, next) => {
    const address = normaliseAddress(req.socket.remoteAddress);
    const raw = req.headers[header];
    const fromTrusted = address !== undefined && trusted.has(address);
    // A direct, guard-checked TLS peer without the header: nothing to add.
    if (raw === undefined && !fromTrusted && peerOf(req)?.via === 'tls') return next();
    let outcome: Outcome;
    try {
      outcome = judge(raw, fromTrusted);
    } catch {
      outcome = { ok: false, reason: 'untrusted', detail: 'check_failed' };
    }
    if (outcome.ok) {
      rememberRequestPeer(req, outcome.identity);
      options.log.debug({ peerHost: peerHostOf(outcome.identity) }, 'forwarded peer accepted');
      return next();
    }
    recordRefusal(options.audit, outcome.reason, { identity: outcome.identity, address, detail: outcome.detail });
    req.socket.destroy();
  };
}
