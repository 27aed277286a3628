import { isAlias, isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { formatPath, type ConfigIssue } from './config-error.js';

export interface ParsedYaml {
  /** The plain JS value; undefined when the YAML had errors. */
  readonly value: unknown;
  readonly issues: readonly ConfigIssue[];
  /** Line and column of the node at a path (or of its nearest existing ancestor). */
  locate(path: ReadonlyArray<PropertyKey>): { line: number; column: number } | undefined;
}

/**
 * YAML in a strict mode: YAML 1.2 core schema, no merge keys, duplicate keys are errors, and no
 * explicit tags at all (a tag such as `!!binary` would turn config into something other than
 * strings, numbers, booleans, maps and lists). Syntax errors carry line and column.
 */
export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // uniqueKeys is off so that duplicates are reported below with their path, not only a position.
  const doc = parseDocument(text, { lineCounter, schema: 'core', merge: false, strict: true, uniqueKeys: false, prettyErrors: false });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const issues: ConfigIssue[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    issues.push({ path: '', message: `YAML: ${e.message.split('\n')[0]}`, ...at(e.pos[0]) });
  }
  checkNodes(doc.contents, [], issues, at);

  const locate = (path: ReadonlyArray<PropertyKey>) => {
    const offset = findOffset(doc, path);
    return offset === undefined ? undefined : at(offset);
  };
  if (issues.length > 0) return { value: undefined, issues, locate };
  return { value: doc.toJS({ maxAliasCount: 100 }), issues, locate };
}

type At = (offset: number) => { line: number; column: number };

function checkNodes(node: unknown, path: PropertyKey[], issues: ConfigIssue[], at: At): void {
  if (!isNode(node)) return;
  const offset = node.range?.[0] ?? 0;
  if (!isAlias(node) && node.tag !== undefined) {
    issues.push({ path: formatPath(path), message: 'YAML tags are not allowed in the configuration', ...at(offset) });
  }
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined) {
        issues.push({ path: formatPath(path), message: 'map keys must be plain strings', ...at(offset) });
        continue;
      }
      const keyOffset = isNode(pair.key) ? (pair.key.range?.[0] ?? offset) : offset;
      if (seen.has(key)) issues.push({ path: formatPath([...path, key]), message: 'duplicate key', ...at(keyOffset) });
      seen.add(key);
      checkNodes(pair.key, [...path, key], issues, at);
      checkNodes(pair.value, [...path, key], issues, at);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => checkNodes(item, [...path, i], issues, at));
  }
}

/** Offset of the key (for map entries) or item at `path`, or of the deepest ancestor that exists. */
function findOffset(doc: Document, path: ReadonlyArray<PropertyKey>): number | undefined {
  let node: unknown = doc.contents;
  let offset = isNode(node) ? node.range?.[0] : undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair === undefined) break;
      offset = isNode(pair.key) ? (pair.key.range?.[0] ?? offset) : offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (!isNode(item)) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset;
}
