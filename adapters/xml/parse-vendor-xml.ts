import xml2js from 'xml2js';
import type { LegacyRecord } from '../mapping/index.js';

/**
 * Vendor XML text → its record elements, each as a LegacyRecord for the mapping. The text is
 * untrusted: DOCTYPE and ENTITY declarations are refused before any parser sees it (no entity
 * expansion bombs, no external entities: OWASP XXE Prevention), and the caller has already capped
 * its size. Namespace prefixes are ignored: vendors differ in them, not in element names.
 */
export class VendorXmlError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VendorXmlError';
  }
}

type XmlNode = { $?: Record<string, string>; _?: string } & Record<string, unknown>;

export async function parseVendorXml(text: string, recordElement: string): Promise<XmlNode[]> {
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) throw new VendorXmlError('XML with DOCTYPE or ENTITY declarations is refused');
  let doc: unknown;
  try {
    doc = await xml2js.parseStringPromise(text, {
      explicitArray: true,
      explicitCharkey: true,
      explicitRoot: true,
      strict: true,
      tagNameProcessors: [xml2js.processors.stripPrefix],
    });
  } catch (err) {
    throw new VendorXmlError('not well-formed XML', { cause: err });
  }
  if (typeof doc !== 'object' || doc === null) throw new VendorXmlError('empty XML document');
  const [rootName, rawRoot] = Object.entries(doc)[0] ?? [];
  // xml2js gives an empty element as '' (no attributes, no children): an export with no records.
  const root: unknown = rawRoot === '' ? {} : rawRoot;
  if (rootName === undefined || !isNode(root)) throw new VendorXmlError('XML document without a root element');
  if (rootName === recordElement) return [root];
  const records = root[recordElement];
  if (records === undefined) return [];
  if (!Array.isArray(records) || !records.every(isNode)) throw new VendorXmlError(`malformed <${recordElement}> elements`);
  return records;
}

export function xmlRecord(node: XmlNode, keyPath: string): LegacyRecord {
  const get = (path: string): unknown => lookup(node, path);
  const key = get(keyPath);
  return { key: typeof key === 'string' ? key : '(no key)', get };
}

/** `child/grandchild` → text, `@attr` or `child/@attr` → attribute, `.` → the node's own text. */
function lookup(start: XmlNode, path: string): string | undefined {
  let node: XmlNode | string | undefined = start;
  for (const step of path === '.' ? [] : path.split('/')) {
    if (node === undefined || typeof node === 'string') return undefined;
    if (step.startsWith('@')) return node.$?.[step.slice(1)];
    const children: unknown = node[step];
    const first: unknown = Array.isArray(children) ? children[0] : undefined;
    node = typeof first === 'string' ? first : isNode(first) ? first : undefined;
  }
  if (typeof node === 'string') return node;
  return node?._;
}

function isNode(v: unknown): v is XmlNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
