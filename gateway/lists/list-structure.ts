import { ListParseError } from './list-parse-error.js';
import type { XmlElement } from './read-xml-document.js';
import type { ListKind } from './types.js';

/**
 * The shared part of the hand-written structural validation (the official XSDs are not vendored):
 * every element in the list's own namespace, no unknown elements, required ones present the right
 * number of times (order-insensitive), no text between elements, no attributes of our own.
 */
export interface ListContext {
  readonly list: ListKind;
  readonly namespace: string;
}

/** How often a child may occur: exactly once, at most once, one or more. */
export type Occurrence = 'one' | 'optional' | 'some';

export interface Located {
  readonly element: XmlElement;
  readonly path: string;
}

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

export function fail(ctx: ListContext, path: string, reason: string): never {
  throw new ListParseError(ctx.list, path, reason);
}

/**
 * Reads the children of a container element against a table of allowed names. Repeated elements
 * get a 1-based position in their path so an error can be located without echoing the content.
 */
export function readChildren<N extends string>(
  ctx: ListContext,
  at: Located,
  spec: Readonly<Record<N, Occurrence>>,
): Readonly<Record<N, readonly Located[]>> {
  checkAttributes(ctx, at);
  if (at.element.text.trim() !== '') fail(ctx, at.path, 'text is not allowed here, only child elements');
  const found = new Map<string, Located[]>();
  for (const child of at.element.children) {
    if (child.namespace !== ctx.namespace) {
      fail(ctx, `${at.path}/${child.name}`, child.namespace === '' ? 'element has no namespace' : 'element is in a foreign namespace');
    }
    if (!Object.hasOwn(spec, child.name)) fail(ctx, `${at.path}/${child.name}`, 'unknown element');
    const siblings = found.get(child.name) ?? [];
    const repeatable = spec[child.name as N] === 'some';
    siblings.push({ element: child, path: `${at.path}/${child.name}${repeatable ? `[${siblings.length + 1}]` : ''}` });
    found.set(child.name, siblings);
  }
  const result = {} as Record<N, readonly Located[]>;
  for (const name of Object.keys(spec) as N[]) {
    const occurrences = found.get(name) ?? [];
    const rule = spec[name];
    if (occurrences.length === 0 && rule !== 'optional') fail(ctx, `${at.path}/${name}`, 'required element is missing');
    if (occurrences.length > 1 && rule !== 'some') fail(ctx, `${at.path}/${name}`, 'element may occur only once');
    result[name] = occurrences;
  }
  return result;
}

/** The single occurrence of a child declared 'one' (readChildren has checked it is there). */
export function only(located: readonly Located[]): Located {
  const first = located[0];
  if (first === undefined) throw new Error('only(): readChildren guarantees one occurrence');
  return first;
}

/** Text of a leaf element, checked by a facet function that returns a reason when the value is invalid. */
export function readLeaf<T>(ctx: ListContext, at: Located, check: (raw: string) => { ok: true; value: T } | { ok: false; reason: string }): T {
  checkAttributes(ctx, at);
  if (at.element.children.length > 0) fail(ctx, at.path, 'child elements are not allowed here');
  const result = check(at.element.text);
  if (!result.ok) fail(ctx, at.path, result.reason);
  return result.value;
}

/** Checks a value is unique among its siblings (xs:unique in the MedMij XSDs). */
export function requireUnique(ctx: ListContext, entries: ReadonlyArray<{ readonly key: string; readonly path: string }>, what: string): void {
  const seen = new Set<string>();
  for (const { key, path } of entries) {
    if (seen.has(key)) fail(ctx, path, `duplicate ${what}`);
    seen.add(key);
  }
}

// Namespace declarations are dropped by readXmlDocument; xsi:schemaLocation and friends are
// allowed everywhere by XML Schema itself. Everything else is unknown.
function checkAttributes(ctx: ListContext, at: Located): void {
  for (const attribute of at.element.attributes) {
    const xsiHint = attribute.namespace === XSI && (attribute.local === 'schemaLocation' || attribute.local === 'noNamespaceSchemaLocation');
    if (!xsiHint) fail(ctx, at.path, 'attributes are not allowed here');
  }
}
