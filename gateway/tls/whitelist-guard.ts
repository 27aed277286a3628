import { hash, X509Certificate } from 'node:crypto';
import type { Server as HttpsServer } from 'node:https';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import type { Whitelist } from '../lists/index.js';
import type { AuditLog } from '../observability/index.js';
import type { Logger } from '../observability/index.js';
import { judgePeer, type RefusalReason } from './judge-peer.js';
import { LruCache } from './lru-cache.js';
import { peerCertificateInSession } from './peer-certificate-in-session.js';
import { certificateOf, parsePeerIdentity, peerHostOf, type ParsedPeer, type PeerIdentity } from './peer-identity.js';
import { rememberSocketPeer } from './peer-of.js';
import { recordRefusal } from './record-refusal.js';
import { chainWindow, judgeChain, type ChainWindow } from './verify-chain.js';

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

/**
 * What the guard keeps per client certificate (keyed by the SHA-256 of its DER): what was read
 * out of it, and, once a resumed session of it has been verified, where its chain led. Only
 * facts that do not change with time or the Whitelist: the verdict itself is made afresh on every
 * connection.
 */
interface KnownCertificate {
  readonly parsed: ParsedPeer;
  /** The chain found for a resumed session, valid while the anchors are these very ones. */
  resumedChain?: { readonly anchors: readonly X509Certificate[]; readonly window: ChainWindow };
}

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
 * Cost per connection: the same PGOs reconnect all the time, so what is read out of a certificate
 * (names, validity, fingerprint, and for resumed sessions the chain's window) is kept per
 * certificate in a bounded cache; per connection remain one read of the peer certificate's bytes
 * from the session, one SHA-256 of them, and the verdict, made with the list and clock of now.
 *
 * The listener is prepended so it runs before https.Server's own connection listener; returns a
 * function that detaches it.
 */
export function guardConnections(server: TlsServer | HttpsServer, deps: GuardDeps): () => void {
  const now = deps.now ?? (() => new Date());
  const known = new LruCache<string, KnownCertificate>(IDENTITY_CACHE_SIZE);
  // Cleared for good if the session ever disagrees with getPeerCertificate() (a layout we do not
  // know): from then on every connection takes the documented, slower way.
  let sessionReadable = true;

  /**
   * The peer certificate of this connection, or undefined when the peer sent none. The bytes come
   * from the session (peer-certificate-in-session.ts: the cheap way); a certificate seen before is
   * a cache hit on their hash. A new one is read with getPeerCertificate() as well and must be
   * byte for byte the same. Only certificates OpenSSL chained to our CA are kept: a flood of
   * self-signed ones cannot push the real PGOs out.
   */
  const certificateOfConnection = (socket: TLSSocket): KnownCertificate | undefined => {
    const fromSession = sessionReadable ? peerCertificateInSession(socket.getSession()) : undefined;
    if (fromSession !== undefined) {
      const hit = known.get(fingerprintOf(fromSession));
      if (hit !== undefined) return hit;
    }
    const raw = (socket.getPeerCertificate() as { raw?: Buffer }).raw;
    if (raw === undefined || raw.length === 0) return undefined;
    if (sessionReadable && (fromSession === undefined || !raw.equals(fromSession))) {
      sessionReadable = false;
      deps.log.warn('the TLS session does not show the peer certificate as expected; reading it the slower way from now on');
    }
    const key = fingerprintOf(raw);
    let entry = known.get(key);
    if (entry === undefined) {
      entry = { parsed: parsePeerIdentity(new X509Certificate(raw), 'tls') };
      if (socket.authorized) known.set(key, entry);
    }
    return entry;
  };

  /** A resumed session's chain against the anchors and clock of now (see the comment above). */
  const resumedChainVerdict = (socket: TLSSocket, entry: KnownCertificate, at: Date) => {
    const anchors = deps.trustedCa();
    let chain = entry.resumedChain;
    if (chain === undefined || chain.anchors !== anchors) {
      const leaf = certificateOf(entry.parsed.identity);
      const window = leaf === undefined ? undefined : chainWindow(leaf, presentedChain(socket), anchors);
      if (window === undefined) return judgeChain(undefined, at);
      chain = { anchors, window };
      entry.resumedChain = chain;
    }
    return judgeChain(chain.window, at);
  };

  const check = (socket: TLSSocket): Verdict => {
    const entry = certificateOfConnection(socket);
    if (entry === undefined) return { accepted: false, reason: 'no_certificate' };
    const parsed = entry.parsed;
    const identity = parsed.identity;
    const at = now();
    if (!socket.authorized) {
      // Full handshake: OpenSSL's verdict against the context's CA, now. Resumed: the verdict of
      // the first handshake, which can only have got worse since.
      const code = authorizationCode(socket);
      const reason = code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID' ? 'expired' : 'untrusted';
      return { accepted: false, reason, identity, detail: code };
    }
    // A full handshake was verified by OpenSSL just now, against the anchors in force: checking
    // its chain again would only repeat that work.
    if (socket.isSessionReused()) {
      const chain = resumedChainVerdict(socket, entry, at);
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
      if (deps.log.isLevelEnabled('debug')) deps.log.debug({ peerHost: peerHostOf(verdict.identity), resumed: socket.isSessionReused() }, 'tls peer accepted');
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

/** base64url SHA-256 of a certificate's DER: the cache key, and the same value as its x5t#S256. */
function fingerprintOf(der: Uint8Array): string {
  return hash('sha256', der, 'base64url');
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : 'unknown';
}
