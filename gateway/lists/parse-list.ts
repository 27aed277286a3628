import { kindOfRoot, LIST_FORMATS } from './list-formats.js';
import { ListParseError } from './list-parse-error.js';
import { buildGegevensdienstnamenlijst } from './parse-gegevensdienstnamenlijst.js';
import { buildOAuthClientList } from './parse-oauth-client-list.js';
import { buildWhitelist } from './parse-whitelist.js';
import { buildZorgaanbiederslijst } from './parse-zorgaanbiederslijst.js';
import { checkRoot, readListDocument, type ListDocument, type ListParseOptions } from './read-list-document.js';
import { readXmlDocument } from './read-xml-document.js';
import type { ListKind, ListsByKind } from './types.js';

const BUILDERS: { readonly [K in ListKind]: (doc: ListDocument) => ListsByKind[K] } = {
  whitelist: buildWhitelist,
  oauthClientList: buildOAuthClientList,
  zorgaanbiederslijst: buildZorgaanbiederslijst,
  gegevensdienstnamenlijst: buildGegevensdienstnamenlijst,
};

/** Parses one list of a known kind, strictly. Throws ListParseError. */
export function parseList<K extends ListKind>(kind: K, xml: string, options: ListParseOptions = {}): ListsByKind[K] {
  return BUILDERS[kind](readListDocument(kind, xml, options));
}

/** Parses a list of any kind, telling the kind from the root element (for the CLI). Throws ListParseError. */
export function parseAnyList(xml: string, options: ListParseOptions = {}): ListsByKind[ListKind] {
  const element = readXmlDocument(xml, 'unknown', options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes });
  const kind = kindOfRoot(element.name);
  if (kind === undefined) {
    const roots = Object.values(LIST_FORMATS).map((f) => f.root).join(', ');
    throw new ListParseError('unknown', element.name, `not a MedMij list: the root element must be one of ${roots}`);
  }
  return BUILDERS[kind](checkRoot(kind, element, options));
}
