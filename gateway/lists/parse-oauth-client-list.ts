import { hostname, stringOfLength } from './list-facets.js';
import { only, readChildren, readLeaf, requireUnique } from './list-structure.js';
import { readHeader, readListDocument, type ListDocument, type ListParseOptions } from './read-list-document.js';
import type { OAuthClient, OAuthClientList } from './types.js';

/**
 * MedMij OAuth Client List (digest §4.2): OAuthclientlist → Tijdstempel, Volgnummer, OAuthclients →
 * OAuthclient+ → Hostname (unique), OAuthclientOrganisatienaam (3–50 characters).
 */
export function parseOAuthClientList(xml: string, options: ListParseOptions = {}): OAuthClientList {
  return buildOAuthClientList(readListDocument('oauthClientList', xml, options));
}

export function buildOAuthClientList({ ctx, root, facets }: ListDocument): OAuthClientList {
  const top = readChildren(ctx, root, { Tijdstempel: 'one', Volgnummer: 'one', OAuthclients: 'one' });
  const entries = readChildren(ctx, only(top.OAuthclients), { OAuthclient: 'some' }).OAuthclient.map((at) => {
    const fields = readChildren(ctx, at, { Hostname: 'one', OAuthclientOrganisatienaam: 'one' });
    const host = only(fields.Hostname);
    const client: OAuthClient = Object.freeze({
      hostname: readLeaf(ctx, host, hostname(facets)),
      organisationName: readLeaf(ctx, only(fields.OAuthclientOrganisatienaam), stringOfLength(3, 50)),
    });
    return { client, key: client.hostname, path: host.path };
  });
  requireUnique(ctx, entries, 'host name');
  const byHost = new Map(entries.map((e) => [e.key, e.client]));
  return Object.freeze({
    kind: 'oauthClientList' as const,
    ...readHeader(ctx, top),
    clients: Object.freeze(entries.map((e) => e.client)),
    byHostname: (name: string) => byHost.get(name.toLowerCase()),
  });
}
