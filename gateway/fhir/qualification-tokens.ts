import { createHash } from 'node:crypto';
import type { AccessTokenVerifier, GrantContext } from '../oauth/index.js';

/** One static token of the `qualification:` config section (mode: test only). */
export interface StaticTokenEntry {
  readonly token: string;
  readonly patientRef: string;
  readonly provider: string;
  readonly services: readonly string[];
  readonly clientId?: string;
}

/** A static token never expires by itself; each verification grants this much time. */
const GRANT_SECONDS = 3600;

const digest = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * AccessTokenVerifier over the fixed tokens of a Nictiz qualification run (digest §7). Lookup goes
 * by SHA-256 of the token so that the comparison time says nothing about how much of a guess was
 * right. These grants carry no certificate thumbprint: the scripts' tokens are not bound (RFC 8705
 * binding is checked only where the grant names a certificate).
 */
export function createStaticTokenVerifier(entries: readonly StaticTokenEntry[], now: () => Date = () => new Date()): AccessTokenVerifier {
  const byDigest = new Map<string, StaticTokenEntry>();
  for (const e of entries) {
    const key = digest(e.token);
    if (byDigest.has(key)) throw new Error('duplicate static qualification token');
    byDigest.set(key, e);
  }
  return {
    verify(token: string): Promise<GrantContext | undefined> {
      const entry = byDigest.get(digest(token));
      if (!entry) return Promise.resolve(undefined);
      return Promise.resolve({
        clientId: entry.clientId ?? 'qualification',
        providerName: entry.provider,
        serviceIds: [...entry.services],
        patientRef: entry.patientRef,
        scope: entry.provider,
        expiresAt: new Date(now().getTime() + GRANT_SECONDS * 1000),
      });
    },
  };
}
