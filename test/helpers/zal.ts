import type { ZalEntry, ZalServiceEntry } from '../../gateway/zal-command.js';

/** Reads back the text `medmij-gateway zal` prints: tests form their URLs from it, as a PGO would from the ZAL. */
export function parseZalText(text: string): ZalEntry[] {
  const entries: Array<{ name: string; services: ZalServiceEntry[] }> = [];
  let current: Partial<ZalServiceEntry> & { id?: string } = {};
  const flush = () => {
    const e = entries[entries.length - 1];
    if (e && current.id && current.authorizationEndpointUri && current.tokenEndpointUri && current.resourceEndpointUri) {
      e.services.push(current as ZalServiceEntry);
    }
    current = {};
  };
  for (const line of text.split('\n')) {
    const m = /^\s*(GegevensdienstId|AuthorizationEndpointuri|TokenEndpointuri|ResourceEndpointuri)\s+(\S+)$/.exec(line);
    if (!m) {
      if (/^\S+@medmij$/.test(line)) {
        flush();
        entries.push({ name: line, services: [] });
      }
      continue;
    }
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'GegevensdienstId') {
      flush();
      current = { id: value };
    } else if (key === 'AuthorizationEndpointuri') current = { ...current, authorizationEndpointUri: value };
    else if (key === 'TokenEndpointuri') current = { ...current, tokenEndpointUri: value };
    else current = { ...current, resourceEndpointUri: value };
  }
  flush();
  return entries;
}
