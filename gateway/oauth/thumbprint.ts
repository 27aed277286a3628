/**
 * RFC 8705 §3.1 `x5t#S256` is the base64url (unpadded) SHA-256 of the DER certificate. Peer
 * identity code may hand us Node's `fingerprint256` (colon-separated hex) or plain hex; both are
 * the same digest, so normalise to the RFC form. Anything else is not a thumbprint.
 */
export function toX5tS256(fingerprint: string): string | undefined {
  const hex = fingerprint.replace(/:/g, '');
  if (/^[0-9a-fA-F]{64}$/.test(hex)) return Buffer.from(hex, 'hex').toString('base64url');
  if (/^[A-Za-z0-9_-]{43}$/.test(fingerprint)) return fingerprint;
  return undefined;
}
