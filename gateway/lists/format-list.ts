import type { ListsByKind, ListKind } from './types.js';

/**
 * A human-readable rendering of a list for the CLI: header, counts, and the first `limit`
 * entries. Lists hold only public registry data (host names, organisation and service names).
 */
export function formatList(list: ListsByKind[ListKind], limit = 10): string {
  const lines = [`${list.kind} volgnummer ${list.volgnummer}, published ${list.publishedAt.toISOString()}`];
  const more = (total: number) => (total > limit ? [`  … and ${total - limit} more`] : []);
  switch (list.kind) {
    case 'whitelist': {
      const hosts = [...list.hostnames];
      lines.push(`${hosts.length} host name(s)`, ...hosts.slice(0, limit).map((h) => `  ${h}`), ...more(hosts.length));
      break;
    }
    case 'oauthClientList':
      lines.push(`${list.clients.length} OAuth client(s)`, ...list.clients.slice(0, limit).map((c) => `  ${c.hostname}  (${c.organisationName})`), ...more(list.clients.length));
      break;
    case 'zorgaanbiederslijst': {
      const services = list.providers.reduce((n, p) => n + p.interfaceVersions.reduce((m, v) => m + v.dataServices.length, 0), 0);
      lines.push(`release ${list.release}: ${list.providers.length} provider(s), ${services} data service registration(s)`);
      for (const p of list.providers.slice(0, limit)) {
        const versions = p.interfaceVersions.map((v) => `${v.id} [${v.dataServices.map((s) => s.id).join(', ')}]`).join('; ');
        lines.push(`  ${p.name}  ${p.type}  interface version ${versions}`);
      }
      lines.push(...more(list.providers.length));
      break;
    }
    case 'gegevensdienstnamenlijst':
      lines.push(`${list.services.length} data service(s)`, ...list.services.slice(0, limit).map((s) => `  ${s.id}  ${s.displayName}`), ...more(list.services.length));
      break;
  }
  return lines.join('\n');
}
