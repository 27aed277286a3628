/** A care provider this gateway serves, as the authorization server needs to know it. */
export interface ServedProvider {
  /** MedMij name without `@medmij`, as PGOs put it in the scope. */
  readonly name: string;
  readonly displayName: string;
  /** Shown on the technical-failure page (MedMij "Technische storing", digest §2.4). */
  readonly supportPhone: string;
  readonly services: ReadonlyArray<{ readonly id: string }>;
}

export interface ParsedScope {
  readonly providerName: string;
  /** GegevensdienstIds the scope asks for; all the provider's services for a bare provider name. */
  readonly serviceIds: readonly string[];
  /** The scope exactly as requested: MMOS-95 says the token response echoes it. */
  readonly scope: string;
}

export type ScopeResult = { readonly ok: true; readonly value: ParsedScope } | { readonly ok: false; readonly description: string };

/**
 * MedMij scope grammar (digest §2.2): 2.x Verzamelen sends the provider name alone, meaning every
 * collect service it offers here; legacy 1.x clients send one or more `name~serviceId` tokens,
 * single-space separated, all for the same provider. Nothing else is accepted (no `openid`, no
 * mixing of forms, no duplicates). Descriptions never echo the input (house rule 6).
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
    return { ok: true, value: { providerName: provider.name, serviceIds: provider.services.map((s) => s.id), scope } };
  }
  let providerName: string | undefined;
  const serviceIds: string[] = [];
  for (const token of tokens) {
    const parts = token.split('~');
    const [name, serviceId] = parts;
    if (parts.length !== 2 || !name || !serviceId) return { ok: false, description: 'scope is malformed' };
    if (providerName !== undefined && name !== providerName) return { ok: false, description: 'scope names more than one care provider' };
    providerName = name;
    const provider = providers.find((p) => p.name === name);
    if (!provider) return { ok: false, description: 'scope names a care provider unknown to this authorization server' };
    if (!provider.services.some((s) => s.id === serviceId)) return { ok: false, description: 'scope names a data service this care provider does not offer here' };
    if (serviceIds.includes(serviceId)) return { ok: false, description: 'scope names a data service twice' };
    serviceIds.push(serviceId);
  }
  return { ok: true, value: { providerName: providerName as string, serviceIds, scope } };
}

/** Every scope string the authorization server recognises: bare names and all name~service tokens. */
export function allScopeTokens(providers: readonly ServedProvider[]): string[] {
  return providers.flatMap((p) => [p.name, ...p.services.map((s) => `${p.name}~${s.id}`)]);
}
