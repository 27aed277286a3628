import { stringOfLength } from './list-facets.js';
import { only, readChildren, readLeaf, requireUnique } from './list-structure.js';
import { readHeader, readListDocument, type ListDocument, type ListParseOptions } from './read-list-document.js';
import type { DataServiceName, Gegevensdienstnamenlijst } from './types.js';

/**
 * MedMij Gegevensdienstnamenlijst (digest §4.2): Gegevensdienstnamenlijst → Tijdstempel, Volgnummer,
 * Gegevensdiensten → Gegevensdienst+ → GegevensdienstId (1–30 characters, unique), Weergavenaam (3–50).
 */
export function parseGegevensdienstnamenlijst(xml: string, options: ListParseOptions = {}): Gegevensdienstnamenlijst {
  return buildGegevensdienstnamenlijst(readListDocument('gegevensdienstnamenlijst', xml, options));
}

export function buildGegevensdienstnamenlijst({ ctx, root }: ListDocument): Gegevensdienstnamenlijst {
  const top = readChildren(ctx, root, { Tijdstempel: 'one', Volgnummer: 'one', Gegevensdiensten: 'one' });
  const entries = readChildren(ctx, only(top.Gegevensdiensten), { Gegevensdienst: 'some' }).Gegevensdienst.map((at) => {
    const fields = readChildren(ctx, at, { GegevensdienstId: 'one', Weergavenaam: 'one' });
    const id = only(fields.GegevensdienstId);
    const service: DataServiceName = Object.freeze({
      id: readLeaf(ctx, id, stringOfLength(1, 30)),
      displayName: readLeaf(ctx, only(fields.Weergavenaam), stringOfLength(3, 50)),
    });
    return { service, key: service.id, path: id.path };
  });
  requireUnique(ctx, entries, 'GegevensdienstId');
  const byId = new Map(entries.map((e) => [e.key, e.service]));
  return Object.freeze({
    kind: 'gegevensdienstnamenlijst' as const,
    ...readHeader(ctx, top),
    services: Object.freeze(entries.map((e) => e.service)),
    byId: (id: string) => byId.get(id),
  });
}
