/**
 * Typed, read-only values of the four MedMij lists (digest §4.2). Parsers in this folder turn
 * XML into these; everything else in the gateway sees only these.
 */
export type ListKind = 'whitelist' | 'oauthClientList' | 'zorgaanbiederslijst' | 'gegevensdienstnamenlijst';

export interface ListHeader {
  /** `Tijdstempel`: when MedMij published this version. */
  readonly publishedAt: Date;
  /** `Volgnummer`: increases by one on every publication; a lower one than in force is refused. */
  readonly volgnummer: number;
}

export interface Whitelist extends ListHeader {
  readonly kind: 'whitelist';
  readonly hostnames: ReadonlySet<string>;
  /** Case-insensitive exact match of a host name (no wildcards in MedMij). */
  has(hostname: string): boolean;
}

export interface OAuthClient {
  readonly hostname: string;
  readonly organisationName: string;
}

export interface OAuthClientList extends ListHeader {
  readonly kind: 'oauthClientList';
  readonly clients: readonly OAuthClient[];
  byHostname(hostname: string): OAuthClient | undefined;
}

export interface SystemRole {
  readonly code: string;
  readonly resourceEndpointUri: string;
}

/** Optional `Abonneren` block of a data service (release3 ZAL): subscriptions and their maximum term. */
export interface DataServiceSubscription {
  readonly maxDurationDays: number;
  readonly subscriptionEndpointUri: string;
}

export interface ProviderDataService {
  readonly id: string;
  readonly authorizationEndpointUri: string;
  readonly tokenEndpointUri: string;
  readonly subscription?: DataServiceSubscription;
  readonly systemRoles: readonly SystemRole[];
}

export interface ProviderInterfaceVersion {
  readonly id: string;
  readonly dataServices: readonly ProviderDataService[];
}

export interface CareProvider {
  /** Full MedMij name, e.g. `demoziekenhuis@medmij`. */
  readonly name: string;
  readonly type: string;
  readonly interfaceVersions: readonly ProviderInterfaceVersion[];
}

export interface Zorgaanbiederslijst extends ListHeader {
  readonly kind: 'zorgaanbiederslijst';
  /**
   * Namespace release the list was published in. Release2 (Afsprakenstelsel 1.x) had no
   * Aanbiedertype and no Interfaceversies level; its providers are read as type `ZA` with one
   * interface version `1` (digest §4.2).
   */
  readonly release: 2 | 3;
  readonly providers: readonly CareProvider[];
  byName(name: string): CareProvider | undefined;
}

export interface DataServiceName {
  readonly id: string;
  readonly displayName: string;
}

export interface Gegevensdienstnamenlijst extends ListHeader {
  readonly kind: 'gegevensdienstnamenlijst';
  readonly services: readonly DataServiceName[];
  byId(id: string): DataServiceName | undefined;
}

export interface ListsByKind {
  readonly whitelist: Whitelist;
  readonly oauthClientList: OAuthClientList;
  readonly zorgaanbiederslijst: Zorgaanbiederslijst;
  readonly gegevensdienstnamenlijst: Gegevensdienstnamenlijst;
}

/**
 * The current version of a list, or undefined when none is in force (never loaded, or the last
 * good one passed its maximum age). Callers must treat undefined as "deny": fail closed.
 */
export type CurrentList<K extends ListKind> = () => ListsByKind[K] | undefined;
