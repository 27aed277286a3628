/**
 * @module Where the Zorgaanbiederslijst in force registers other endpoints than this gateway
 * serves. PGOs use the ZAL and nothing else (digest §4.2): a ResourceEndpointuri that differs
 * from the served base is exactly the failure of issue 8 (every query refused), so the start
 * banner names each difference. The gateway does not need the ZAL to serve; this only reports.
 */
import type { Zorgaanbiederslijst } from './lists/index.js';
import type { ZalEntry } from './zal-command.js';

export function zalDrift(served: readonly ZalEntry[], zal: Zorgaanbiederslijst): string[] {
  const out: string[] = [];
  for (const entry of served) {
    const registered = zal.byName(entry.name);
    if (!registered) {
      out.push(`${entry.name} is not on the Zorgaanbiederslijst in force`);
      continue;
    }
    const dataServices = registered.interfaceVersions.flatMap((v) => v.dataServices);
    for (const s of entry.services) {
      const where = `${entry.name} service ${s.id}`;
      const onList = dataServices.filter((d) => d.id === s.id);
      if (onList.length === 0) {
        out.push(`${where} is not on the Zorgaanbiederslijst in force`);
        continue;
      }
      const differs = (label: string, servedUri: string, listed: readonly string[]) => {
        if (!listed.includes(servedUri)) out.push(`${where}: the ZAL registers ${label} ${[...new Set(listed)].join(', ')}, this gateway serves ${servedUri}`);
      };
      differs('AuthorizationEndpointuri', s.authorizationEndpointUri, onList.map((d) => d.authorizationEndpointUri));
      differs('TokenEndpointuri', s.tokenEndpointUri, onList.map((d) => d.tokenEndpointUri));
      differs('ResourceEndpointuri', s.resourceEndpointUri, onList.flatMap((d) => d.systemRoles.map((r) => r.resourceEndpointUri)));
    }
  }
  return out;
}
