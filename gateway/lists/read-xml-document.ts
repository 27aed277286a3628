import { SaxesParser } from 'saxes';
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
  /** Concatenated character data directly inside this element (entities already resolved by the parser: only the five XML ones and character references). */
  readonly text: string;
  readonly children: readonly XmlElement[];
}

export interface ReadXmlOptions {
  readonly maxBytes?: number;
}

/** Lists are at most nine levels deep; anything deeper is not a list and must not cost us a stack. */
const MAX_DEPTH = 16;

// XML 1.0 §2.2 excludes these characters; saxes refuses them too, this says which rule it was.
const FORBIDDEN_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
// Any markup declaration (`<!DOCTYPE`, `<!ENTITY`, `<!ELEMENT`, ...) except comments and CDATA.
// A DTD is the door to external entities (XXE) and entity expansion (billion laughs); MedMij
// lists never carry one, so we refuse instead of hoping the parser ignores it.
const MARKUP_DECLARATION = /<!(?!--|\[CDATA\[)/;
const XML_DECLARATION_ENCODING = /^<\?xml\s[^>]*?encoding\s*=\s*["']([^"']*)["']/;

/**
 * Turns the text of a list into an element tree, refusing anything that is not one plain,
 * well-formed XML 1.0 document in UTF-8. This is the only file that imports an XML parser.
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
  return parseTree(text, list);
}

/** A namespace declaration (`xmlns`, `xmlns:p`) is not an attribute of the list's own. */
const XMLNS = 'http://www.w3.org/2000/xmlns/';

interface OpenElement {
  readonly name: string;
  readonly namespace: string;
  readonly attributes: XmlElement['attributes'];
  text: string;
  /** CDATA seen: whitespace in a CDATA section is content, never formatting. */
  cdata: boolean;
  readonly children: XmlElement[];
}

/**
 * One streaming pass of saxes that builds the element tree directly (issue 9, finding 5: xml2js
 * spent about 3 s of CPU on a 9 MB Whitelist building and converting its own tree; saxes, a strict
 * XML 1.0 + namespaces parser, reads the same document in about a quarter of a second). Text is
 * what xml2js kept: all character data of an element concatenated, and whitespace-only text of an
 * element without CDATA read as empty.
 */
function parseTree(text: string, list: ListKind | 'unknown'): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const open: OpenElement[] = [];
  let root: XmlElement | undefined;
  let failure: string | undefined;
  let secondRoot = false;
  let tooDeep = false;
  parser.on('error', (error) => {
    if (/only one root/.test(error.message)) secondRoot = true;
    failure ??= describeSaxesError(error);
  });
  parser.on('opentag', (tag) => {
    if (open.length >= MAX_DEPTH) tooDeep = true;
    const attributes = Object.values(tag.attributes)
      .filter((a) => a.uri !== XMLNS)
      .map((a) => ({ local: a.local, namespace: a.uri }));
    open.push({ name: tag.local, namespace: tag.uri, attributes, text: '', cdata: false, children: [] });
  });
  parser.on('text', (data) => {
    const current = open.at(-1);
    if (current !== undefined) current.text += data;
  });
  parser.on('cdata', (data) => {
    const current = open.at(-1);
    if (current === undefined) return;
    current.text += data;
    current.cdata = true;
  });
  parser.on('closetag', () => {
    const done = open.pop();
    if (done === undefined) return;
    const element: XmlElement = Object.freeze({
      name: done.name,
      namespace: done.namespace,
      attributes: done.attributes,
      text: !done.cdata && WHITESPACE_ONLY.test(done.text) ? '' : done.text,
      children: done.children,
    });
    const parent = open.at(-1);
    if (parent !== undefined) parent.children.push(element);
    else if (root === undefined) root = element;
    else secondRoot = true;
  });
  try {
    parser.write(text).close();
  } catch (error) {
    failure ??= describeSaxesError(error);
  }
  if (secondRoot) throw new ListParseError(list, '', 'document must have exactly one root element');
  if (failure !== undefined) throw new ListParseError(list, '', `not well-formed XML (truncated or corrupt): ${failure}`);
  if (tooDeep) throw new ListParseError(list, '', `elements nested deeper than ${MAX_DEPTH} levels`);
  if (root === undefined) throw new ListParseError(list, '', 'document must have exactly one root element');
  return root;
}

const WHITESPACE_ONLY = /^\s*$/;

/** saxes messages look like "3:10: unclosed tag: Whitelist": keep the reason and position. */
function describeSaxesError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const parts = /^(\d+):(\d+): (.*)$/s.exec(message);
  if (parts === null) return message.slice(0, 120);
  const [, line, column, reason = 'parse error'] = parts;
  return `${reason.replace(/\.$/, '').slice(0, 120)} at line ${line}, column ${column}`;
}
