import type { Resource } from '../types.js';

/**
 * A value out of a shared resource by a short path, for the bind parameters of a Delen INSERT
 * (sql-config.ts `write.binds`): dot-separated element names, each optionally followed by `[n]`
 * (the n-th item of a list) or `[code=X]` (the first item whose `code.coding` holds code X, e.g.
 * the systolic component of a blood pressure: `component[code=8480-6].valueQuantity.value`). A
 * list without an index takes its first item. Anything absent is undefined (bound as NULL).
 * Deliberately not FHIRPath: a path is checked when the config loads, and reads no more than
 * it names.
 */
const STEP = /^([A-Za-z][A-Za-z0-9]*)(?:\[(\d{1,3}|code=[A-Za-z0-9.\-:]{1,64})\])?$/;

export type ResourcePath = readonly { readonly name: string; readonly index?: number; readonly code?: string }[];

export function parseResourcePath(path: string): ResourcePath {
  return path.split('.').map((step) => {
    const m = STEP.exec(step);
    if (!m) throw new Error(`"${path}": each step is a name, name[n] or name[code=X]`);
    const sel = m[2];
    if (sel === undefined) return { name: m[1]! };
    return sel.startsWith('code=') ? { name: m[1]!, code: sel.slice(5) } : { name: m[1]!, index: Number(sel) };
  });
}

export function valueAt(resource: Resource, path: ResourcePath): unknown {
  let current: unknown = resource;
  for (const step of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    let next: unknown = (current as Record<string, unknown>)[step.name];
    if (Array.isArray(next)) {
      if (step.code !== undefined) next = next.find((item) => hasCode(item, step.code!));
      else next = next[step.index ?? 0];
    } else if (step.index !== undefined && step.index > 0) {
      return undefined;
    } else if (step.code !== undefined && !hasCode(next, step.code)) {
      return undefined;
    }
    current = next;
  }
  return current;
}

function hasCode(item: unknown, code: string): boolean {
  const codings = ((item as { code?: { coding?: unknown } } | undefined)?.code)?.coding;
  return Array.isArray(codings) && codings.some((c) => (c as { code?: unknown }).code === code);
}
