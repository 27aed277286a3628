import { isIPv6 } from 'node:net';
import type { Socket } from 'node:net';
import type { Server as HttpsServer } from 'node:https';
import type { Server as TlsServer, TLSSocket } from 'node:tls';

/** Per-listener connection budget (config `tls.connectionLimits.node` / `.patient`). */
export interface ConnectionLimits {
  /** Open TCP connections from one source (an IPv4 address, or an IPv6 /64). */
  readonly maxPerAddress: number;
  /** Open TCP connections on the listener in all. */
  readonly maxTotal: number;
  /**
   * A connection that has not finished its TLS handshake by then is closed. Node reads this only
   * from the server's creation options: pass `handshakeTimeout: handshakeTimeoutMs` there.
   */
  readonly handshakeTimeoutMs: number;
  /** A TLS connection that has not sent its first HTTP request by then is closed. */
  readonly firstRequestTimeoutMs: number;
  /** Sources not subject to maxPerAddress (a trusted TLS-terminating proxy carries everyone). */
  readonly exemptAddresses?: readonly string[];
}

export interface ConnectionCounts {
  readonly total: number;
  /** Connections refused since start, per reason. */
  readonly refused: { readonly perAddress: number; readonly total: number };
}

/**
 * Holds a listener to a bounded number of connections (issue 9, finding 1: 20,500 idle TCP
 * connections from one address, each held 120 s without ever starting TLS, used up the process's
 * file descriptors and 1.3 GB of memory, and a whitelisted PGO was refused).
 *
 * - Counted on the raw TCP `connection`, before any TLS work: a connection over budget costs one
 *   accept and a close, no TLS state and no read buffer. The per-source budget keeps one flooding
 *   address from using up the total, so other PGOs keep being served.
 * - Node's default `handshakeTimeout` is 120 s; the listener is created with handshakeTimeoutMs.
 * - Between the handshake and the first request HTTP has no timer of its own (headersTimeout
 *   starts with the first byte), so a silent TLS connection is closed after firstRequestTimeoutMs.
 *
 * Nothing is stored per refused connection; per source only a counter while it has connections
 * open, so memory is bounded by maxTotal.
 */
export function limitConnections(server: TlsServer | HttpsServer, limits: ConnectionLimits): () => ConnectionCounts {
  const perSource = new Map<string, number>();
  const exempt = new Set((limits.exemptAddresses ?? []).map(sourceOf));
  let total = 0;
  const refused = { perAddress: 0, total: 0 };
  const awaitingRequest = new WeakMap<Socket, NodeJS.Timeout>();

  server.prependListener('connection', (socket: Socket) => {
    const source = sourceOf(socket.remoteAddress ?? '');
    const fromSource = perSource.get(source) ?? 0;
    if (total >= limits.maxTotal || (!exempt.has(source) && fromSource >= limits.maxPerAddress)) {
      if (total >= limits.maxTotal) refused.total++;
      else refused.perAddress++;
      // resetAndDestroy sends RST: no TIME_WAIT on our side, nothing left to read or write.
      socket.resetAndDestroy();
      return;
    }
    total++;
    perSource.set(source, fromSource + 1);
    socket.once('close', () => {
      total--;
      const left = (perSource.get(source) ?? 1) - 1;
      if (left <= 0) perSource.delete(source);
      else perSource.set(source, left);
    });
  });

  server.on('secureConnection', (socket: TLSSocket) => {
    if (socket.destroyed) return;
    const timer = setTimeout(() => socket.destroy(), limits.firstRequestTimeoutMs);
    timer.unref();
    awaitingRequest.set(socket, timer);
    socket.once('close', () => clearTimeout(timer));
  });
  server.prependListener('request', (req: { socket: Socket }) => {
    const timer = awaitingRequest.get(req.socket);
    if (timer !== undefined) {
      clearTimeout(timer);
      awaitingRequest.delete(req.socket);
    }
  });

  return () => ({ total, refused: { ...refused } });
}

/**
 * The unit a budget is kept for: an IPv4 address (IPv4-mapped IPv6 included), or the /64 of an
 * IPv6 address, since one subscriber is routinely given a whole /64 (RFC 6177).
 */
export function sourceOf(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const headParts = head === '' ? [] : head.split(':');
  const tailParts = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...headParts, ...Array(8 - headParts.length - tailParts.length).fill('0'), ...tailParts] : headParts;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
