/** A care provider this gateway serves, as the authorization server needs to know it. */
export interface ServedProvider {
  /** MedMij name without `@medmij`, as PGOs put it in the scope. */
  readonly name: string;
  readonly displayName: string;
  /** Shown on the technical-failure page (MedMij "Technische storing", digest §2.4). */
  readonly supportPhone: string;
  /**
   * `shares`: a Delen service (its catalogue lists `accepts:`): the patient sends data to it.
   * Such a service is asked for alone, as `name~serviceId`, and never by the bare provider name.
   */
  readonly services: ReadonlyArray<{ readonly id: string; readonly shares?: boolean }>;
}

export interface ParsedScope {
  readonly providerName: string;
  /** GegevensdienstIds the scope asks for; all the provider's services for a bare provider name. */
  readonly serviceIds: readonly string[];
  /** The scope exactly as requested: MMOS-95 says the token response echoes it. */
  readonly scope: string;
  /** Delen (digest §1.2): one service the patient sends data to; confirmed for this one run only. */
  readonly share: boolean;
}

export type ScopeResult = { readonly ok: true; readonly value: ParsedScope } | { readonly ok: false; readonly description: string };

/**
 * MedMij scope grammar (digest §2.2): 2.x Verzamelen sends the provider name alone, meaning every
 * collect service it offers here; legacy 1.x clients send one or more `name~serviceId` tokens,
 * single-space separated, all for the same provider. Nothing else is accepted (no `openid`, no
 * mixing of forms, no duplicates). Delen (digest §2.2) is `name~serviceId` of a Delen service,
 * exactly one token (1.x: "Delen exactly one"); the bare name stands for the collect services
 * only (S1, S7). Descriptions never echo the input (house rule 6).
 */
export function parseScope(scope: string | undefined, providers: readonly ServedProvider[]): ScopeResult {
  if (scope === undefined || scope === '') return { ok: false, description: 'scope is missing' };
  if (scope.length > 2048 || !/^[^ ]+( [^ ]+)*$/.test(scope)) return { ok: false, description: 'scope is malformed' };
  const tokens = scope.split(' ');
  const bare = tokens.filter((t) => !t.includes('~'));
  if (bare.length > 0) {
    if (tokens.length !== 1) return { ok: false, description: 'scope must be one provider name, or provider~service combinations only' };
    const provider = providers.find((p) => p.name === tokens[0]);
    if (!provider) return { ok: false, description: 'scope names a care provider unknown to this authorization server' };
    return { ok: true, value: { providerName: provider.name, serviceIds: provider.services.filter((s) => s.shares !== true).map((s) => s.id), scope, share: false } };
  }
  let providerName: string | undefined;
  const serviceIds: string[] = [];
  let shares = 0;
  for (const token of tokens) {
    const parts = token.split('~');
    const [name, serviceId] = parts;
    if (parts.length !== 2 || !name || !serviceId) return { ok: false, description: 'scope is malformed' };
    if (providerName !== undefined && name !== providerName) return { ok: false, description: 'scope names more than one care provider' };
    providerName = name;
    const provider = providers.find((p) => p.name === name);
    if (!provider) return { ok: false, description: 'scope names a care provider unknown to this authorization server' };
    const service = provider.services.find((s) => s.id === serviceId);
    if (!service) return { ok: false, description: 'scope names a data service this care provider does not offer here' };
    if (service.shares === true) shares++;
    if (serviceIds.includes(serviceId)) return { ok: false, description: 'scope names a data service twice' };
    serviceIds.push(serviceId);
  }
  if (shares > 0 && tokens.length !== 1) return { ok: false, description: 'a Delen scope names exactly one data service' };
  return { ok: true, value: { providerName: providerName as string, serviceIds, scope, share: shares > 0 } };
}

/** Every scope string the authorization server recognises: bare names and all name~service tokens. */
export function allScopeTokens(providers: readonly ServedProvider[]): string[] {
  return providers.flatMap((p) => [p.name, ...p.services.map((s) => `${p.name}~${s.id}`)]);
}
