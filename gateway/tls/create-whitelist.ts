// lists/ has no index.ts yet; switch to '../lists/index.js' once it exports the types.
import type { Whitelist } from '../lists/index.js';

/**
 * A Whitelist value built from host names, for development (a fixed dev list), tests and the
 * handshake bench. Production lists come from the MedMij XML via lists/parse-whitelist.ts.
 */
export function createWhitelist(
  hostnames: Iterable<string>,
  header: { publishedAt?: Date; volgnummer?: number } = {},
): Whitelist {
  // MedMij host names match case-insensitively and without wildcards (digest §5.3): one lowercase Set.
  const set: ReadonlySet<string> = new Set([...hostnames].map((h) => h.toLowerCase()));
  return Object.freeze({
    kind: 'whitelist' as const,
    publishedAt: header.publishedAt ?? new Date(),
    volgnummer: header.volgnummer ?? 1,
    hostnames: set,
    has: (hostname: string) => set.has(hostname.toLowerCase()),
  });
}
