/**
 * Writes `value` at a FHIR element path such as `code.coding[0].system`, creating objects and
 * lists on the way. Pure apart from mutating `target`, which the caller owns.
 */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const steps = path.split('.').map(parseStep);
  let node: Record<string, unknown> = target;
  steps.forEach((step, i) => {
    const last = i === steps.length - 1;
    if (step.index === undefined) {
      if (last) {
        node[step.name] = value;
        return;
      }
      node = childObject(node, step.name);
      return;
    }
    const list = Array.isArray(node[step.name]) ? (node[step.name] as unknown[]) : [];
    node[step.name] = list;
    // Lists in FHIR JSON have no holes: a position may extend the list by one at most.
    if (step.index > list.length) throw new Error(`position [${step.index}] skips an element`);
    if (last) {
      list[step.index] = value;
      return;
    }
    const existing = list[step.index];
    const next = isObject(existing) ? existing : {};
    list[step.index] = next;
    node = next;
  });
}

/** Deep merge of a JSON document into the resource root: later fields overwrite leaves. */
export function mergeInto(target: Record<string, unknown>, source: Readonly<Record<string, unknown>>): void {
  for (const [key, value] of Object.entries(source)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    const current = target[key];
    if (isObject(current) && isObject(value)) mergeInto(current, value);
    else target[key] = structuredClone(value);
  }
}

function parseStep(step: string): { name: string; index?: number } {
  const m = /^([A-Za-z][A-Za-z0-9_]*)(?:\[(\d+)\])?$/.exec(step);
  if (!m?.[1]) throw new Error(`bad path step "${step}"`);
  return m[2] === undefined ? { name: m[1] } : { name: m[1], index: Number(m[2]) };
}

function childObject(node: Record<string, unknown>, name: string): Record<string, unknown> {
  const existing = node[name];
  if (isObject(existing)) return existing;
  const created: Record<string, unknown> = {};
  node[name] = created;
  return created;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
