/**
 * Walks a resource along a simple element path and returns every value found there, flattening
 * arrays on the way. Path syntax (the subset of FHIRPath the parameter table needs):
 * - `a.b.c`: child elements;
 * - `extension(URL)`: the extensions with that url;
 * - `effective[x]`: every choice variant (`effectiveDateTime`, `effectivePeriod`, …);
 * each returned value is tagged with the variant's type suffix when it came from a choice.
 */
export interface ElementValue {
  readonly value: unknown;
  /** The choice type suffix (`DateTime`, `Period`, …) when the last step was a `[x]` element. */
  readonly choiceType?: string;
}

function splitPath(path: string): string[] {
  const steps: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of path) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === '.' && depth === 0) {
      steps.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  steps.push(current);
  return steps;
}

function asArray(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

export function elementValues(root: unknown, path: string): ElementValue[] {
  let current: ElementValue[] = [{ value: root }];
  for (const step of splitPath(path)) {
    const next: ElementValue[] = [];
    const ext = /^extension\((.+)\)$/.exec(step);
    for (const { value } of current) {
      if (typeof value !== 'object' || value === null) continue;
      const obj = value as Record<string, unknown>;
      if (ext) {
        for (const e of asArray(obj['extension'])) {
          if (typeof e === 'object' && e !== null && (e as { url?: unknown }).url === ext[1]) next.push({ value: e });
        }
      } else if (step.endsWith('[x]')) {
        const base = step.slice(0, -3);
        for (const [key, v] of Object.entries(obj)) {
          if (key.length > base.length && key.startsWith(base) && /^[A-Z]/.test(key.slice(base.length))) {
            for (const item of asArray(v)) next.push({ value: item, choiceType: key.slice(base.length) });
          }
        }
      } else {
        for (const item of asArray(obj[step])) next.push({ value: item });
      }
    }
    current = next;
  }
  return current;
}
