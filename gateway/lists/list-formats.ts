import type { ListKind } from './types.js';

/**
 * Root element and namespace(s) of each list (digest §4.2). The namespaces use the odd `xmlns://`
 * scheme on purpose: that is how MedMij publishes them. Release2 of the ZAL (Afsprakenstelsel
 * 1.x) is still accepted; release3 is current.
 */
export const LIST_FORMATS = {
  whitelist: { root: 'Whitelist', namespaces: ['xmlns://afsprakenstelsel.medmij.nl/whitelist/release2/'] },
  oauthClientList: { root: 'OAuthclientlist', namespaces: ['xmlns://afsprakenstelsel.medmij.nl/oauthclientlist/release2/'] },
  zorgaanbiederslijst: {
    root: 'Zorgaanbiederslijst',
    namespaces: [
      'xmlns://afsprakenstelsel.medmij.nl/zorgaanbiederslijst/release3/',
      'xmlns://afsprakenstelsel.medmij.nl/zorgaanbiederslijst/release2/',
    ],
  },
  gegevensdienstnamenlijst: {
    root: 'Gegevensdienstnamenlijst',
    namespaces: ['xmlns://afsprakenstelsel.medmij.nl/gegevensdienstnamenlijst/release1/'],
  },
} as const satisfies Record<ListKind, { root: string; namespaces: readonly string[] }>;

export const LIST_KINDS: readonly ListKind[] = ['whitelist', 'oauthClientList', 'zorgaanbiederslijst', 'gegevensdienstnamenlijst'];

/** The list kind whose root element has this local name, if any. */
export function kindOfRoot(localName: string): ListKind | undefined {
  return LIST_KINDS.find((k) => LIST_FORMATS[k].root === localName);
}

/** Default cap on one list document. The real Whitelist is far below 1 MB; config `lists.fetch.maxBytes` overrides. */
export const DEFAULT_MAX_LIST_BYTES = 10 * 1024 * 1024;
