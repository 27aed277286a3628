import { X509Certificate } from 'node:crypto';
import { buildDevPki, type DevPki } from '../../../gateway/pki/index.js';
import { peerCertificateInSession } from '../../../gateway/tls/peer-certificate-in-session.js';

let pki: DevPki;
let der: Buffer;

beforeAll(async () => {
  pki = await buildDevPki();
  der = new X509Certificate(pki.pgoListed.certPem).raw;
});

/** DER TLV with a definite length (short or long form). */
function tlv(tag: number, contents: Buffer): Buffer {
  const n = contents.length;
  const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, contents]);
}
const int = (v: number) => tlv(0x02, Buffer.from([v]));
const octets = (n: number) => tlv(0x04, Buffer.alloc(n, 0x5a));

/** The fields OpenSSL writes before the peer, then the peer, then a field after it. */
function session(peer: Buffer | undefined, extra: Buffer[] = []): Buffer {
  return tlv(0x30, Buffer.concat([int(1), int(3), octets(2), octets(32), octets(48), tlv(0xa1, int(9)), tlv(0xa2, int(7)), ...(peer ? [tlv(0xa3, peer)] : []), tlv(0xa4, octets(3)), ...extra]));
}

describe('peerCertificateInSession', () => {
  test('finds the certificate under [3], byte for byte', () => {
    expect(peerCertificateInSession(session(der))?.equals(der)).toBe(true);
  });

  test('no [3] → undefined', () => {
    expect(peerCertificateInSession(session(undefined))).toBeUndefined();
    expect(peerCertificateInSession(undefined)).toBeUndefined();
    expect(peerCertificateInSession(Buffer.alloc(0))).toBeUndefined();
  });

  test('a [3] that does not hold exactly one SEQUENCE → undefined', () => {
    expect(peerCertificateInSession(session(octets(10)))).toBeUndefined();
    expect(peerCertificateInSession(session(Buffer.concat([der, int(1)])))).toBeUndefined();
  });

  test('certificate bytes that look like a [3] tag are not mistaken for the field', () => {
    // The inner certificate holds a0/a3 bytes of its own; the walk only looks at top-level fields.
    const decoy = tlv(0x30, Buffer.concat([tlv(0xa3, tlv(0x30, int(5))), int(1)]));
    const s = session(der, []);
    const withDecoyBefore = tlv(0x30, Buffer.concat([int(1), tlv(0x04, decoy), tlv(0xa3, der)]));
    expect(peerCertificateInSession(withDecoyBefore)?.equals(der)).toBe(true);
    expect(peerCertificateInSession(s)?.equals(der)).toBe(true);
  });

  test('truncated, overlong or indefinite lengths → undefined, never a read past the end', () => {
    const s = session(der);
    for (const cut of [1, 2, 10, 60, s.length - 1]) expect(peerCertificateInSession(s.subarray(0, cut))).toBeUndefined();
    const overlong = Buffer.from(s);
    overlong[2] = 0xff; // the outer length's high byte: far beyond the buffer
    expect(peerCertificateInSession(overlong)).toBeUndefined();
    expect(peerCertificateInSession(Buffer.from([0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00]))).toBeUndefined();
    expect(peerCertificateInSession(Buffer.from([0x30, 0x85, 1, 0, 0, 0, 0]))).toBeUndefined();
    expect(peerCertificateInSession(Buffer.concat([Buffer.from([0x30, 0x82, 0xff, 0xff]), s]))).toBeUndefined();
  });

  test('not a SEQUENCE at the top → undefined', () => {
    expect(peerCertificateInSession(tlv(0x31, tlv(0xa3, der)))).toBeUndefined();
  });
});
