import type { Brand, BrandSet } from './brand.js';
import { fillText, type Lang, type TextBook, type TextKey, type Texts } from './texts/index.js';

/** What a template needs: the language, the texts in force, the brand, and the names to fill in. */
export interface PageView {
  readonly lang: Lang;
  readonly brand: Brand;
  /** The same page in the other language (keeps the interaction); absent where there is none. */
  readonly switchHref?: string;
  /** A sentence by key, placeholders filled. */
  t(key: TextKey): string;
  /** The data services by name, for lists. */
  readonly services: readonly string[];
}

export interface PageRequest {
  readonly lang: Lang;
  readonly providerName?: string | undefined;
  /** OAuthclientOrganisatienaam from the OAuth client list. */
  readonly pgo?: string | undefined;
  /** Names from the Gegevensdienstnamenlijst, or ids where the list has no name. */
  readonly services?: ReadonlyArray<{ readonly id: string; readonly name?: string | undefined }>;
  readonly switchHref?: string | undefined;
}

export type CreateView = (request: PageRequest) => PageView;

/** Binds texts, brand and names for one page. `{duration}` comes from `oauth.longTermConsentDays`. */
export function createViewFactory(o: { readonly book: TextBook; readonly brands: BrandSet; readonly longTermConsentDays: number }): CreateView {
  return (request) => {
    const brand = o.brands.forProvider(request.providerName);
    // A page that names no provider on a one-provider gateway is that provider's page: its texts too.
    const texts: Texts = o.book.texts(request.lang, request.providerName ?? (brand.key === '_default' ? undefined : brand.key));
    const services = (request.services ?? []).map((s) => s.name ?? fillText(texts['format.serviceFallback'], { id: s.id }));
    const values: Record<string, string> = {
      provider: brand.displayName,
      pgo: request.pgo ?? '',
      services: joinList(services, texts['format.and']),
      duration: fillText(texts['format.months'], { count: String(Math.round(o.longTermConsentDays / 30.44)) }),
      phone: brand.supportPhone ?? '',
    };
    return {
      lang: request.lang,
      brand,
      services,
      ...(request.switchHref ? { switchHref: request.switchHref } : {}),
      t: (key) => fillText(texts[key], values),
    };
  };
}

function joinList(items: readonly string[], and: string): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${and} ${items.at(-1)}`;
}
