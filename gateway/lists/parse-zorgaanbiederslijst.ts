import { backchannelUri, frontchannelUri, matching, oneOf, positiveInteger, stringOfLength, type FacetOptions } from './list-facets.js';
import { only, readChildren, readLeaf, requireUnique, type ListContext, type Located } from './list-structure.js';
import { readHeader, readListDocument, type ListDocument, type ListParseOptions } from './read-list-document.js';
import type { CareProvider, DataServiceSubscription, ProviderDataService, SystemRole, Zorgaanbiederslijst } from './types.js';

/**
 * MedMij Zorgaanbiederslijst (digest §4.2). Release3 (current):
 *   Zorgaanbiederslijst → Tijdstempel, Volgnummer, Zorgaanbieders → Zorgaanbieder+ →
 *   Zorgaanbiedernaam, Aanbiedertype, Interfaceversies → Interfaceversie+ → InterfaceversieId,
 *   Gegevensdiensten → Gegevensdienst+ → GegevensdienstId, AuthorizationEndpoint/…uri,
 *   TokenEndpoint/…uri, Abonneren? (MaximaleDuur, SubscriptionEndpointuri),
 *   Systeemrollen → Systeemrol+ → Systeemrolcode, ResourceEndpoint/…uri.
 * Release2 (Afsprakenstelsel 1.x) is the same without Aanbiedertype, the Interfaceversies level
 * and Abonneren. The release3 XSD is not public: facets beyond the digest's are our inference and
 * say so below.
 */
export function parseZorgaanbiederslijst(xml: string, options: ListParseOptions = {}): Zorgaanbiederslijst {
  return buildZorgaanbiederslijst(readListDocument('zorgaanbiederslijst', xml, options));
}

const PROVIDER_NAME = {
  // Release2 XSD: `([a-z])+@medmij`, 10–57 characters.
  2: matching(/^[a-z]+@medmij$/, 'must be lowercase letters followed by @medmij'),
  // Release3 names may contain digits, dots and dashes (Interoplab's test provider); exact pattern UNCONFIRMED.
  3: matching(/^[a-z0-9]+(?:[.-][a-z0-9]+)*@medmij$/, 'must be a lowercase name followed by @medmij'),
} as const;
const PROVIDER_NAME_LENGTH = stringOfLength(10, 57);
// ZA care provider, BAZB provider without treatment relation, APD PGO acting as provider (digest §4.2).
const PROVIDER_TYPE = oneOf(['ZA', 'BAZB', 'APD'] as const);
// Format UNCONFIRMED: real values seen are "1.4.0" and "2"; accept dotted version numbers.
const INTERFACE_VERSION = matching(/^[0-9]{1,4}(?:\.[0-9A-Za-z]{1,8}){0,3}$/, 'must be a version number such as 2 or 2.2.4');
const SERVICE_ID = stringOfLength(1, 30);
// Seen: MM-3.0-BZB-FHIR, LAB-1.1-LRB-FHIR, MM-2.A-AIB-FHIR (digest §7); exact pattern UNCONFIRMED.
const SYSTEM_ROLE = matching(/^(?=.{3,50}$)[A-Z0-9]+(?:[.-][A-Z0-9]+)+$/, 'must be an uppercase system role code such as MM-3.0-BZB-FHIR');

export function buildZorgaanbiederslijst({ ctx, root, facets }: ListDocument): Zorgaanbiederslijst {
  const release = ctx.namespace.endsWith('/release2/') ? 2 : 3;
  const top = readChildren(ctx, root, { Tijdstempel: 'one', Volgnummer: 'one', Zorgaanbieders: 'one' });
  const entries = readChildren(ctx, only(top.Zorgaanbieders), { Zorgaanbieder: 'some' }).Zorgaanbieder.map((at) => {
    const provider = release === 2 ? readRelease2Provider(ctx, at, facets) : readRelease3Provider(ctx, at, facets);
    return { provider, key: provider.name, path: `${at.path}/Zorgaanbiedernaam` };
  });
  requireUnique(ctx, entries, 'Zorgaanbiedernaam');
  const byName = new Map(entries.map((e) => [e.key, e.provider]));
  return Object.freeze({
    kind: 'zorgaanbiederslijst' as const,
    release,
    ...readHeader(ctx, top),
    providers: Object.freeze(entries.map((e) => e.provider)),
    byName: (name: string) => byName.get(name.toLowerCase()),
  });
}

function readProviderName(ctx: ListContext, at: Located, release: 2 | 3): string {
  return readLeaf(ctx, at, (raw) => {
    const length = PROVIDER_NAME_LENGTH(raw);
    return length.ok ? PROVIDER_NAME[release](raw) : length;
  });
}

function readRelease3Provider(ctx: ListContext, at: Located, facets: FacetOptions): CareProvider {
  const fields = readChildren(ctx, at, { Zorgaanbiedernaam: 'one', Aanbiedertype: 'one', Interfaceversies: 'one' });
  const versions = readChildren(ctx, only(fields.Interfaceversies), { Interfaceversie: 'some' }).Interfaceversie.map((v) => {
    const parts = readChildren(ctx, v, { InterfaceversieId: 'one', Gegevensdiensten: 'one' });
    const id = only(parts.InterfaceversieId);
    return { key: readLeaf(ctx, id, INTERFACE_VERSION), path: id.path, dataServices: readServices(ctx, only(parts.Gegevensdiensten), facets, true) };
  });
  requireUnique(ctx, versions, 'InterfaceversieId');
  return Object.freeze({
    name: readProviderName(ctx, only(fields.Zorgaanbiedernaam), 3),
    type: readLeaf(ctx, only(fields.Aanbiedertype), PROVIDER_TYPE),
    interfaceVersions: Object.freeze(versions.map((v) => Object.freeze({ id: v.key, dataServices: v.dataServices }))),
  });
}

function readRelease2Provider(ctx: ListContext, at: Located, facets: FacetOptions): CareProvider {
  const fields = readChildren(ctx, at, { Zorgaanbiedernaam: 'one', Gegevensdiensten: 'one' });
  const dataServices = readServices(ctx, only(fields.Gegevensdiensten), facets, false);
  // Release2 knew only care providers and one (implicit, 1.x) interface version.
  return Object.freeze({
    name: readProviderName(ctx, only(fields.Zorgaanbiedernaam), 2),
    type: 'ZA',
    interfaceVersions: Object.freeze([Object.freeze({ id: '1', dataServices })]),
  });
}

function readServices(ctx: ListContext, at: Located, facets: FacetOptions, subscriptions: boolean): readonly ProviderDataService[] {
  const services = readChildren(ctx, at, { Gegevensdienst: 'some' }).Gegevensdienst.map((s) => {
    const f = subscriptions
      ? readChildren(ctx, s, { GegevensdienstId: 'one', AuthorizationEndpoint: 'one', TokenEndpoint: 'one', Abonneren: 'optional', Systeemrollen: 'one' })
      : { ...readChildren(ctx, s, { GegevensdienstId: 'one', AuthorizationEndpoint: 'one', TokenEndpoint: 'one', Systeemrollen: 'one' }), Abonneren: [] };
    const id = only(f.GegevensdienstId);
    const authorization = only(readChildren(ctx, only(f.AuthorizationEndpoint), { AuthorizationEndpointuri: 'one' }).AuthorizationEndpointuri);
    const token = only(readChildren(ctx, only(f.TokenEndpoint), { TokenEndpointuri: 'one' }).TokenEndpointuri);
    const subscriptionAt = f.Abonneren[0];
    const service: ProviderDataService = Object.freeze({
      id: readLeaf(ctx, id, SERVICE_ID),
      authorizationEndpointUri: readLeaf(ctx, authorization, frontchannelUri(facets)),
      tokenEndpointUri: readLeaf(ctx, token, backchannelUri(facets)),
      ...(subscriptionAt === undefined ? {} : { subscription: readSubscription(ctx, subscriptionAt, facets) }),
      systemRoles: readSystemRoles(ctx, only(f.Systeemrollen), facets),
    });
    return { service, key: service.id, path: id.path };
  });
  requireUnique(ctx, services, 'GegevensdienstId');
  return Object.freeze(services.map((s) => s.service));
}

function readSubscription(ctx: ListContext, at: Located, facets: FacetOptions): DataServiceSubscription {
  const f = readChildren(ctx, at, { MaximaleDuur: 'one', SubscriptionEndpointuri: 'one' });
  return Object.freeze({
    maxDurationDays: readLeaf(ctx, only(f.MaximaleDuur), positiveInteger),
    subscriptionEndpointUri: readLeaf(ctx, only(f.SubscriptionEndpointuri), backchannelUri(facets)),
  });
}

function readSystemRoles(ctx: ListContext, at: Located, facets: FacetOptions): readonly SystemRole[] {
  const roles = readChildren(ctx, at, { Systeemrol: 'some' }).Systeemrol.map((r) => {
    const f = readChildren(ctx, r, { Systeemrolcode: 'one', ResourceEndpoint: 'one' });
    const code = only(f.Systeemrolcode);
    const endpoint = only(readChildren(ctx, only(f.ResourceEndpoint), { ResourceEndpointuri: 'one' }).ResourceEndpointuri);
    const role: SystemRole = Object.freeze({ code: readLeaf(ctx, code, SYSTEM_ROLE), resourceEndpointUri: readLeaf(ctx, endpoint, backchannelUri(facets)) });
    return { role, key: role.code, path: code.path };
  });
  requireUnique(ctx, roles, 'Systeemrolcode');
  return Object.freeze(roles.map((r) => r.role));
}
