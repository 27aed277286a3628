import type { Resource } from '../types.js';

/**
 * Upstream data may carry absolute URLs of the internal FHIR server (references, attachment
 * URLs). Those would leak internal host names to the PGO and point it at a server it cannot
 * reach, so every string that starts with an upstream base becomes relative to it
 * (`https://ehr.internal/fhir/Binary/7` → `Binary/7`); the gateway resolves relative
 * references against its own base (FHIR references.html: relative references are relative to
 * the service base). Returns a new resource; the input is left alone.
 */
export function rewriteUpstreamUrls<T extends Resource>(resource: T, bases: readonly string[]): T {
  const prefixes = bases.map((b) => `${b.replace(/\/+$/, '')}/`);
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') {
      for (const p of prefixes) if (node.startsWith(p)) return node.slice(p.length);
      return node;
    }
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) out[k] = walk(v);
      return out;
    }
    return node;
  };
  return walk(resource) as T;
}
