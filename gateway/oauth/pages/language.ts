import type { Lang } from './texts/index.js';

/** The first supported language in a list of BCP 47 tags ("en-GB", "nl"), or undefined. */
function firstSupported(tags: readonly string[]): Lang | undefined {
  for (const tag of tags) {
    const primary = tag.trim().toLowerCase().split('-')[0];
    if (primary === 'nl' || primary === 'en') return primary;
  }
  return undefined;
}

/** Accept-Language (RFC 9110 §12.5.4) in order of preference; q=0 means "not this one". */
function acceptedTags(header: string | undefined): string[] {
  if (!header || header.length > 512) return [];
  return header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.split(';');
      const q = params.map((p) => /^\s*q=([01](\.\d{0,3})?)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((t) => t.tag !== '' && t.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map((t) => t.tag);
}

/**
 * The Person's language: what the PGO asked for on the authorization request (`ui_locales`,
 * OpenID Connect Core §3.1.2.1, a space-separated preference list; or the simpler `lang`), then
 * the browser's Accept-Language, then Dutch (MedMij's default audience).
 */
export function pickLanguage(o: { readonly uiLocales?: unknown; readonly lang?: unknown; readonly acceptLanguage?: string | undefined }): Lang {
  const fromRequest = [o.uiLocales, o.lang].flatMap((v) => (typeof v === 'string' && v.length <= 256 ? v.split(' ') : []));
  return firstSupported(fromRequest) ?? firstSupported(acceptedTags(o.acceptLanguage)) ?? 'nl';
}

/** Compatibility shape for callers that have one explicit value (query `lang` or `ui_locales`). */
export function pickLang(explicit: unknown, acceptLanguage: string | undefined): Lang {
  return pickLanguage({ uiLocales: explicit, acceptLanguage });
}

export function isLang(v: unknown): v is Lang {
  return v === 'nl' || v === 'en';
}
