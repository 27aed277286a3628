import { X509Certificate } from 'node:crypto';
import type { Server as HttpsServer } from 'node:https';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import type { Whitelist } from '../lists/index.js';
import type { AuditLog } from '../observability/index.js';
import type { Logger } from '../observability/index.js';
import { judgePeer, type RefusalReason } from './judge-peer.js';
import { parsePeerIdentity, peerHostOf, type ParsedPeer, type PeerIdentity } from './peer-identity.js';
import { rememberSocketPeer } from './peer-of.js';
import { recordRefusal } from './record-refusal.js';
import { verifyChain } from './verify-chain.js';

export interface GuardDeps {
  /** The Whitelist in force now; undefined = none in force = refuse every peer (fail closed). */
  readonly currentWhitelist: () => Whitelist | undefined;
  readonly audit: AuditLog;
  readonly log: Logger;
  readonly now?: () => Date;
  /**
   * The client-certificate trust anchors in force now: the same certificates as the server
   * context's `ca` (tls-material.ts `trustedCa`). Resumed sessions are re-verified against them.
   */
  readonly trustedCa: () => readonly X509Certificate[];
}

type Verdict =
  | { readonly accepted: true; readonly identity: PeerIdentity }
  | { readonly accepted: false; readonly reason: RefusalReason; readonly identity?: PeerIdentity; readonly detail?: string };

/** Enough for every PGO on a real Whitelist; bounded so that a flood of certificates cannot grow it. */
const IDENTITY_CACHE_SIZE = 1024;
const MAX_CHAIN = 6;

const guarded = new WeakSet<TlsServer>();

/** Lets the composition root assert that a node-interface server never runs unguarded. */
export function isGuarded(server: TlsServer | HttpsServer): boolean {
  return guarded.has(server);
}

/**
 * The MedMij whitelist check on the node interface (digest §5.3): on every established TLS
 * connection, resumed ones included, the client certificate must chain to the configured CA, be
 * within its validity now, and name (CN or any DNS SAN) a host on the Whitelist in force now.
 * Otherwise the socket is destroyed before HTTP reads a byte, and the audit log says why.
 *
 * Why after the handshake and not inside it: the server runs with `rejectUnauthorized: false`
 * (https-options.ts) because Node, when it rejects an unauthorized client itself, destroys the
 * socket without telling anyone why, and the audit trail must say why. MedMij wants the alert
 * `access_denied` instead of Finished; Node cannot send a chosen alert, so the peer sees the
 * connection close instead (digest §5.3: the refused party is not told why anyway).
 *
 * Resumed sessions (TLS 1.2 session id or ticket, TLS 1.3 PSK) skip certificate verification:
 * OpenSSL restores the peer certificate and the verify result of the FIRST handshake, so
 * `authorized` and `getPeerCertificate()` report that old verdict (test/integration/
 * tls-resumption.test.ts shows it). Hence on resumption the chain and validity are checked again
 * here against the anchors and clock of now, and the whitelist is always consulted afresh.
 *
 * The listener is prepended so it runs before https.Server's own connection listener; returns a
 * function that detaches it.
 */
export function guardConnections(server: TlsServer | HttpsServer, deps: GuardDeps): () => void {
  const now = deps.now ?? (() => new Date());
  const identities = new Map<string, ParsedPeer>();

  const identityOf = (cert: X509Certificate): ParsedPeer => {
    const key = cert.fingerprint256;
    let parsed = identities.get(key);
    if (parsed === undefined) {
      parsed = parsePeerIdentity(cert, 'tls');
      if (identities.size >= IDENTITY_CACHE_SIZE) identities.clear();
      identities.set(key, parsed);
    }
    return parsed;
  };

  const check = (socket: TLSSocket): Verdict => {
    // The one costly call of the check: ~4 µs on Node 24, ~130 µs on Node 20 (first call on a
    // fresh socket, timed on this machine; README, "Benchmarks"). The rest is a cache hit and Set lookups.
    const cert = socket.getPeerX509Certificate();
    if (cert === undefined) return { accepted: false, reason: 'no_certificate' };
    const parsed = identityOf(cert);
    const identity = parsed.identity;
    const at = now();
    if (!socket.authorized) {
      // Full handshake: OpenSSL's verdict against the context's CA, now. Resumed: the verdict of
      // the first handshake, which can only have got worse since.
      const code = authorizationCode(socket);
      const reason = code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID' ? 'expired' : 'untrusted';
      return { accepted: false, reason, identity, detail: code };
    }
    if (socket.isSessionReused()) {
      const chain = verifyChain(cert, presentedChain(socket), deps.trustedCa(), at);
      if (chain !== 'ok') return { accepted: false, reason: chain, identity, detail: 'resumed_session' };
    }
    const reason = judgePeer(parsed, deps.currentWhitelist(), at);
    return reason === undefined ? { accepted: true, identity } : { accepted: false, reason, identity };
  };

  const onSecureConnection = (socket: TLSSocket): void => {
    // NCSC: no renegotiation (https-options.ts sets SSL_OP_NO_RENEGOTIATION as well).
    socket.disableRenegotiation();
    let verdict: Verdict;
    try {
      verdict = check(socket);
    } catch (err) {
      // Fail closed: a certificate we cannot read is a certificate we do not trust.
      deps.log.error({ err: errorName(err) }, 'whitelist guard could not check a peer; refusing');
      verdict = { accepted: false, reason: 'untrusted', detail: 'check_failed' };
    }
    if (verdict.accepted) {
      rememberSocketPeer(socket, verdict.identity);
      deps.log.debug({ peerHost: peerHostOf(verdict.identity), resumed: socket.isSessionReused() }, 'tls peer accepted');
      return;
    }
    recordRefusal(deps.audit, verdict.reason, { identity: verdict.identity, address: socket.remoteAddress, detail: verdict.detail });
    socket.destroy();
  };

  server.prependListener('secureConnection', onSecureConnection);
  guarded.add(server);
  return () => {
    server.removeListener('secureConnection', onSecureConnection);
    guarded.delete(server);
  };
}

/** Node types `authorizationError` as Error, but sets an OpenSSL code string such as CERT_HAS_EXPIRED. */
function authorizationCode(socket: TLSSocket): string {
  const e: unknown = socket.authorizationError;
  if (typeof e === 'string') return e;
  if (e instanceof Error) return (e as Error & { code?: string }).code ?? e.message;
  return 'UNKNOWN';
}

/** The issuers Node found for the peer (sent by the peer or looked up in the context's store). */
function presentedChain(socket: TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let c = socket.getPeerCertificate(true);
  while (chain.length < MAX_CHAIN && c.issuerCertificate !== undefined && c.issuerCertificate !== c) {
    c = c.issuerCertificate;
    if (!c.raw) break;
    chain.push(new X509Certificate(c.raw));
  }
  return chain;
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : 'unknown';
}
