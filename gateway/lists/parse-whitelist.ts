import { freezeSet } from './freeze-set.js';
import { hostname } from './list-facets.js';
import { readChildren, readLeaf, only, requireUnique } from './list-structure.js';
import { readHeader, readListDocument, type ListDocument, type ListParseOptions } from './read-list-document.js';
import type { Whitelist } from './types.js';

/**
 * MedMij Whitelist (digest §4.2): Whitelist → Tijdstempel, Volgnummer, MedMijNodes → MedMijNode+ →
 * Hostname. The older "file version 2" shape (host name as the text of MedMijNode) is refused
 * with a clear message by the no-text-in-containers rule.
 */
export function parseWhitelist(xml: string, options: ListParseOptions = {}): Whitelist {
  return buildWhitelist(readListDocument('whitelist', xml, options));
}

export function buildWhitelist({ ctx, root, facets }: ListDocument): Whitelist {
  const top = readChildren(ctx, root, { Tijdstempel: 'one', Volgnummer: 'one', MedMijNodes: 'one' });
  // One or more nodes: an empty whitelist would shut every peer out; the government PGO refuses it too (digest §4.1).
  const nodes = readChildren(ctx, only(top.MedMijNodes), { MedMijNode: 'some' }).MedMijNode;
  const entries = nodes.map((node) => {
    const at = only(readChildren(ctx, node, { Hostname: 'one' }).Hostname);
    return { key: readLeaf(ctx, at, hostname(facets)), path: at.path };
  });
  requireUnique(ctx, entries, 'host name');
  const hostnames = new Set(entries.map((e) => e.key));
  return Object.freeze({
    kind: 'whitelist' as const,
    ...readHeader(ctx, top),
    hostnames: freezeSet(hostnames),
    // MedMij host names are lowercase in the list; DNS names compare case-insensitively (RFC 4343).
    has: (name: string) => hostnames.has(name.toLowerCase()),
  });
}
