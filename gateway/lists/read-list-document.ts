import { LIST_FORMATS } from './list-formats.js';
import { dateTimeWithZone, positiveInteger, type FacetOptions } from './list-facets.js';
import { fail, only, readLeaf, type ListContext, type Located } from './list-structure.js';
import { readXmlDocument, type XmlElement } from './read-xml-document.js';
import type { ListHeader, ListKind } from './types.js';

export interface ListParseOptions {
  /** Refuse documents above this many bytes before parsing. Default 10 MB. */
  readonly maxBytes?: number;
  /** Accept the `localhost` development exceptions (list-facets.ts). Never in production. */
  readonly developmentExceptions?: boolean;
}

export interface ListDocument {
  readonly ctx: ListContext;
  readonly root: Located;
  readonly facets: FacetOptions;
}

/** Well-formed XML whose root element is the list's, in (one of) the list's namespace(s). */
export function readListDocument(kind: ListKind, xml: string, options: ListParseOptions = {}): ListDocument {
  const element = readXmlDocument(xml, kind, options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes });
  return checkRoot(kind, element, options);
}

export function checkRoot(kind: ListKind, element: XmlElement, options: ListParseOptions): ListDocument {
  const format = LIST_FORMATS[kind];
  const ctx: ListContext = { list: kind, namespace: element.namespace };
  if (element.name !== format.root) fail(ctx, element.name, `root element must be ${format.root}`);
  if (!(format.namespaces as readonly string[]).includes(element.namespace)) {
    fail(ctx, element.name, `root element must be in namespace ${format.namespaces.join(' or ')}`);
  }
  return { ctx, root: { element, path: element.name }, facets: { developmentExceptions: options.developmentExceptions === true } };
}

/** The header every list starts with (digest §4.2): Tijdstempel and Volgnummer. */
export function readHeader(ctx: ListContext, children: { readonly Tijdstempel: readonly Located[]; readonly Volgnummer: readonly Located[] }): ListHeader {
  return {
    publishedAt: readLeaf(ctx, only(children.Tijdstempel), dateTimeWithZone),
    volgnummer: readLeaf(ctx, only(children.Volgnummer), positiveInteger),
  };
}
