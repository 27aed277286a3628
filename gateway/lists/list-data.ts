import { hostSetOf, packHosts, type PackedHosts } from './sorted-host-set.js';
import type { ListKind, ListsByKind } from './types.js';

/**
 * A parsed list as plain data, so it can cross from the parsing worker to the main thread
 * (structured clone carries no functions and no Set views). fromListData puts the lookups back;
 * both sides keep the same values, so a list parsed in a worker equals one parsed in place.
 */
export type ListData =
  | { readonly kind: 'whitelist'; readonly publishedAt: Date; readonly volgnummer: number; readonly hosts: PackedHosts }
  | { readonly kind: 'oauthClientList'; readonly publishedAt: Date; readonly volgnummer: number; readonly clients: ListsByKind['oauthClientList']['clients'] }
  | {
      readonly kind: 'zorgaanbiederslijst';
      readonly publishedAt: Date;
      readonly volgnummer: number;
      readonly release: 2 | 3;
      readonly providers: ListsByKind['zorgaanbiederslijst']['providers'];
    }
  | { readonly kind: 'gegevensdienstnamenlijst'; readonly publishedAt: Date; readonly volgnummer: number; readonly services: ListsByKind['gegevensdienstnamenlijst']['services'] };

/** What to transfer rather than copy (the whitelist's offset table). */
export function transferablesOf(data: ListData): ArrayBuffer[] {
  return data.kind === 'whitelist' ? [data.hosts.offsets.buffer as ArrayBuffer] : [];
}

export function toListData(list: ListsByKind[ListKind]): ListData {
  const header = { publishedAt: list.publishedAt, volgnummer: list.volgnummer };
  switch (list.kind) {
    case 'whitelist':
      return { kind: list.kind, ...header, hosts: packHosts(list.hostnames) };
    case 'oauthClientList':
      return { kind: list.kind, ...header, clients: list.clients };
    case 'zorgaanbiederslijst':
      return { kind: list.kind, ...header, release: list.release, providers: list.providers };
    case 'gegevensdienstnamenlijst':
      return { kind: list.kind, ...header, services: list.services };
  }
}

export function fromListData(data: ListData): ListsByKind[ListKind] {
  const header = { publishedAt: data.publishedAt, volgnummer: data.volgnummer };
  switch (data.kind) {
    case 'whitelist': {
      // No Set here: see sorted-host-set.ts (this runs on the event loop).
      const hostnames = hostSetOf(data.hosts);
      return Object.freeze({ kind: data.kind, ...header, hostnames, has: (name: string) => hostnames.has(name.toLowerCase()) });
    }
    case 'oauthClientList': {
      const clients = deepFreeze(data.clients);
      const byHost = new Map(clients.map((c) => [c.hostname.toLowerCase(), c]));
      return Object.freeze({ kind: data.kind, ...header, clients, byHostname: (name: string) => byHost.get(name.toLowerCase()) });
    }
    case 'zorgaanbiederslijst': {
      const providers = deepFreeze(data.providers);
      const byName = new Map(providers.map((p) => [p.name.toLowerCase(), p]));
      return Object.freeze({ kind: data.kind, ...header, release: data.release, providers, byName: (name: string) => byName.get(name.toLowerCase()) });
    }
    case 'gegevensdienstnamenlijst': {
      const services = deepFreeze(data.services);
      const byId = new Map(services.map((s) => [s.id, s]));
      return Object.freeze({ kind: data.kind, ...header, services, byId: (id: string) => byId.get(id) });
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
