/**
 * The peer certificate's DER out of a TLS session as `TLSSocket.getSession()` returns it: OpenSSL's
 * own encoding of the session (ssl/ssl_asn1.c, unchanged in this part since SSLeay):
 *
 *   SEQUENCE { version INTEGER, sslVersion INTEGER, cipher OCTET STRING, sessionId OCTET STRING,
 *              masterKey OCTET STRING, keyArg [0] OPTIONAL, time [1] OPTIONAL,
 *              timeout [2] OPTIONAL, peer [3] EXPLICIT Certificate OPTIONAL, ... }
 *
 * Why read it from there: on Node 20 getSession() is the cheapest way to the peer certificate's
 * bytes (~30 µs on this machine, against ~100 µs for getPeerCertificate(), which converts every
 * field and the public key, and ~250 µs for getPeerX509Certificate(), which copies and re-decodes
 * the certificate). The caller checks the result against getPeerCertificate() for every
 * certificate it has not seen before (whitelist-guard.ts), so a different layout can never
 * smuggle in a wrong certificate; undefined means "not found here", never "no certificate".
 *
 * Pure, bounded: every element is length-checked against its parent; no recursion.
 */
export function peerCertificateInSession(session: Uint8Array | undefined): Buffer | undefined {
  if (session === undefined || contentsAt(session, 0, session.length) !== SEQUENCE) return undefined;
  const end = elementEnd;
  let at = elementStart;
  while (at < end) {
    const tag = contentsAt(session, at, end);
    if (tag === undefined) return undefined;
    if (tag === PEER) {
      const certAt = elementStart;
      const peerEnd = elementEnd;
      // Exactly one Certificate (a SEQUENCE) fills the explicit tag.
      if (contentsAt(session, certAt, peerEnd) !== SEQUENCE || elementEnd !== peerEnd) return undefined;
      return Buffer.from(session.buffer, session.byteOffset + certAt, peerEnd - certAt);
    }
    at = elementEnd;
  }
  return undefined;
}

const SEQUENCE = 0x30;
/** [3] EXPLICIT, constructed, context-specific. */
const PEER = 0xa3;

// Where the contents of the element last read by contentsAt start and end. Module state rather
// than a returned object: this runs on every connection, and the walk allocates nothing.
let elementStart = 0;
let elementEnd = 0;

/**
 * Reads the DER element header at `at` (inside [at, limit)), sets elementStart/elementEnd to its
 * contents and returns its tag; undefined when it is malformed or overruns `limit`. Single-byte
 * tags only, as in the session structure.
 */
function contentsAt(der: Uint8Array, at: number, limit: number): number | undefined {
  if (at + 2 > limit) return undefined;
  const tag = der[at]!;
  if ((tag & 0x1f) === 0x1f) return undefined;
  let length = der[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    // DER: no indefinite length; four length bytes are far beyond any session.
    if (count === 0 || count > 4 || start + count > limit) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i]!;
    start += count;
  }
  if (start + length > limit) return undefined;
  elementStart = start;
  elementEnd = start + length;
  return tag;
}
