import xml2js from 'xml2js';
import { DEFAULT_MAX_LIST_BYTES } from './list-formats.js';
import { ListParseError } from './list-parse-error.js';
import type { ListKind } from './types.js';

/** One element of a parsed list document: just what the structural checks need. */
export interface XmlElement {
  /** Local name, without prefix. */
  readonly name: string;
  readonly namespace: string;
  /** Attributes other than namespace declarations. */
  readonly attributes: ReadonlyArray<{ readonly local: string; readonly namespace: string }>;
  /** Concatenated character data directly inside this element (entities already resolved by sax: only the five XML ones). */
  readonly text: string;
  readonly children: readonly XmlElement[];
}

export interface ReadXmlOptions {
  readonly maxBytes?: number;
}

/** Lists are at most nine levels deep; anything deeper is not a list and must not cost us a stack. */
const MAX_DEPTH = 16;

// XML 1.0 §2.2 excludes these characters; sax lets them through, so we refuse them ourselves.
const FORBIDDEN_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
// Any markup declaration (`<!DOCTYPE`, `<!ENTITY`, `<!ELEMENT`, ...) except comments and CDATA.
// A DTD is the door to external entities (XXE) and entity expansion (billion laughs); MedMij
// lists never carry one, so we refuse instead of hoping the parser ignores it.
const MARKUP_DECLARATION = /<!(?!--|\[CDATA\[)/;
const XML_DECLARATION_ENCODING = /^<\?xml\s[^>]*?encoding\s*=\s*["']([^"']*)["']/;

/**
 * Turns the text of a list into an element tree, refusing anything that is not one plain,
 * well-formed XML 1.0 document in UTF-8. This is the only file that imports xml2js.
 * Throws ListParseError; never returns a partial tree.
 */
export function readXmlDocument(xml: string, list: ListKind | 'unknown', options: ReadXmlOptions = {}): XmlElement {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_LIST_BYTES;
  // Cheap bound first (a UTF-16 unit is at least one UTF-8 byte), exact count second.
  if (xml.length > maxBytes || Buffer.byteLength(xml, 'utf8') > maxBytes) {
    throw new ListParseError(list, '', `document exceeds the ${maxBytes}-byte cap`);
  }
  const text = xml.startsWith('\uFEFF') ? xml.slice(1) : xml;
  if (text.trim() === '') throw new ListParseError(list, '', 'document is empty');
  const declaration = MARKUP_DECLARATION.exec(text);
  if (declaration) {
    const what = /^<!(DOCTYPE|ENTITY)/i.exec(text.slice(declaration.index))?.[1]?.toUpperCase() ?? 'markup';
    throw new ListParseError(list, '', `${what} declarations are refused: lists never carry a DTD, and entities are never resolved`);
  }
  if (FORBIDDEN_CHARACTERS.test(text)) throw new ListParseError(list, '', 'document contains characters not allowed in XML 1.0');
  const encoding = XML_DECLARATION_ENCODING.exec(text)?.[1];
  if (encoding !== undefined && !/^utf-8$/i.test(encoding)) {
    throw new ListParseError(list, '', 'only UTF-8 documents are accepted');
  }
  return toElement(parseWithXml2js(text, list), list, 1);
}

interface RawNode {
  readonly '#name'?: unknown;
  readonly $ns?: { readonly uri?: unknown; readonly local?: unknown };
  readonly _?: unknown;
  readonly $?: Record<string, { readonly uri?: unknown; readonly local?: unknown; readonly prefix?: unknown } | undefined>;
  readonly $$?: unknown;
}

function parseWithXml2js(text: string, list: ListKind | 'unknown'): RawNode {
  const parser = new xml2js.Parser({
    strict: true,
    async: false,
    xmlns: true,
    explicitRoot: false,
    explicitArray: true,
    explicitChildren: true,
    preserveChildrenOrder: true,
    charsAsChildren: false,
    trim: false,
    normalize: false,
  });
  let root: RawNode | undefined;
  let roots = 0;
  let failure: string | undefined;
  // We listen ourselves instead of passing a callback: with a callback xml2js resets its sax
  // parser at the first root end tag, and errors in whatever follows (a second root, trailing
  // text) would be silently dropped.
  parser.on('end', (result: unknown) => {
    roots += 1;
    if (roots === 1 && result !== null && typeof result === 'object') root = result as RawNode;
  });
  parser.on('error', (error: unknown) => {
    failure ??= describeSaxError(error);
  });
  try {
    parser.parseString(text);
  } catch (error) {
    failure ??= describeSaxError(error);
  }
  if (failure !== undefined) throw new ListParseError(list, '', `not well-formed XML (truncated or corrupt): ${failure}`);
  if (roots !== 1 || root === undefined) throw new ListParseError(list, '', 'document must have exactly one root element');
  return root;
}

/** sax messages look like "Unclosed root tag\nLine: 3\nColumn: 10\nChar: x": keep the reason and position, never the character. */
function describeSaxError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const [reason = 'parse error'] = message.split('\n');
  const line = /Line: (\d+)/.exec(message)?.[1];
  const column = /Column: (\d+)/.exec(message)?.[1];
  const where = line !== undefined ? ` at line ${Number(line) + 1}${column !== undefined ? `, column ${column}` : ''}` : '';
  return `${reason.slice(0, 120)}${where}`;
}

function toElement(node: RawNode, list: ListKind | 'unknown', depth: number): XmlElement {
  const name = typeof node.$ns?.local === 'string' ? node.$ns.local : undefined;
  const namespace = typeof node.$ns?.uri === 'string' ? node.$ns.uri : '';
  if (name === undefined) throw new ListParseError(list, '', 'unexpected parser output');
  if (depth > MAX_DEPTH) throw new ListParseError(list, '', `elements nested deeper than ${MAX_DEPTH} levels`);
  const attributes = Object.values(node.$ ?? {})
    .filter((a) => a !== undefined && a.prefix !== 'xmlns' && !(a.prefix === '' && a.local === 'xmlns'))
    .map((a) => ({ local: String(a?.local ?? ''), namespace: String(a?.uri ?? '') }));
  const rawChildren = Array.isArray(node.$$) ? (node.$$ as unknown[]) : [];
  const children = rawChildren.map((child) => {
    if (child === null || typeof child !== 'object') throw new ListParseError(list, '', 'unexpected parser output');
    return toElement(child as RawNode, list, depth + 1);
  });
  return Object.freeze({ name, namespace, attributes, text: typeof node._ === 'string' ? node._ : '', children });
}
