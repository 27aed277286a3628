import { EN } from './en.js';
import { NL } from './nl.js';
import { isTextKey, LANGS, TEXT_KEYS, type Lang, type TextKey, type Texts } from './text-keys.js';

export const DEFAULT_TEXTS: Readonly<Record<Lang, Texts>> = { nl: NL, en: EN };

/** Texts as given in YAML: per language a map of key → sentence. */
export type TextOverrides = { readonly [L in Lang]?: Readonly<Record<string, unknown>> | undefined };

export interface TextSources {
  /** Complete texts files (e.g. MedMij's published texts), already read; each must hold every key. */
  readonly files?: TextOverrides;
  /** Deployment-wide overrides of single keys (`pages.texts`). */
  readonly deployment?: TextOverrides;
  /** Per care provider (`pages.providers.<name>.texts`). */
  readonly providers?: Readonly<Record<string, TextOverrides | undefined>>;
}

export interface TextIssue {
  readonly path: string;
  readonly message: string;
}

/** The texts in force: per provider (or none) and language, every key present. */
export interface TextBook {
  texts(lang: Lang, providerName?: string): Texts;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;

/**
 * Merges defaults ← texts file ← deployment overrides ← provider overrides, and checks every
 * layer at start: known keys only, strings only, only the placeholders that key may use, and a
 * texts file complete. Issues name the YAML path, never the sentence (house rule 6 habit).
 */
export function compileTextBook(sources: TextSources, prefix = 'pages'): { readonly book: TextBook; readonly issues: readonly TextIssue[] } {
  const issues: TextIssue[] = [];
  const base: Record<Lang, Texts> = { ...DEFAULT_TEXTS };
  for (const lang of LANGS) {
    checkLayer(DEFAULT_TEXTS[lang], `(built-in ${lang} texts)`, issues, true);
    const file = sources.files?.[lang];
    if (file) {
      checkLayer(file, `${prefix}.textsFiles.${lang}`, issues, true);
      base[lang] = merge(base[lang], file);
    }
    const deployment = sources.deployment?.[lang];
    if (deployment) {
      checkLayer(deployment, `${prefix}.texts.${lang}`, issues, false);
      base[lang] = merge(base[lang], deployment);
    }
  }
  const perProvider = new Map<string, Record<Lang, Texts>>();
  for (const [name, overrides] of Object.entries(sources.providers ?? {})) {
    if (!overrides) continue;
    const own: Record<Lang, Texts> = { ...base };
    for (const lang of LANGS) {
      const layer = overrides[lang];
      if (!layer) continue;
      checkLayer(layer, `${prefix}.providers.${name}.texts.${lang}`, issues, false);
      own[lang] = merge(base[lang], layer);
    }
    perProvider.set(name, own);
  }
  return {
    issues,
    book: { texts: (lang, providerName) => (providerName !== undefined ? perProvider.get(providerName)?.[lang] : undefined) ?? base[lang] },
  };
}

function merge(into: Texts, layer: Readonly<Record<string, unknown>>): Texts {
  const out: Record<string, string> = { ...into };
  for (const [key, value] of Object.entries(layer)) if (isTextKey(key) && typeof value === 'string') out[key] = value;
  return out as Texts;
}

function checkLayer(layer: Readonly<Record<string, unknown>>, path: string, issues: TextIssue[], complete: boolean): void {
  for (const [key, value] of Object.entries(layer)) {
    if (!isTextKey(key)) {
      issues.push({ path: `${path}.${key}`, message: 'unknown text key' });
      continue;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      issues.push({ path: `${path}.${key}`, message: 'must be a non-empty string' });
      continue;
    }
    const allowed: readonly string[] = TEXT_KEYS[key];
    for (const m of value.matchAll(PLACEHOLDER)) {
      const name = m[1] ?? '';
      if (!allowed.includes(name)) {
        issues.push({ path: `${path}.${key}`, message: `unknown placeholder {${name}}; this text may use ${allowed.length ? allowed.map((a) => `{${a}}`).join(', ') : 'no placeholders'}` });
      }
    }
  }
  if (complete) {
    const missing = (Object.keys(TEXT_KEYS) as TextKey[]).filter((k) => !Object.hasOwn(layer, k));
    if (missing.length > 0) issues.push({ path, message: `missing text keys: ${missing.join(', ')}` });
  }
}

/** Fills `{name}` placeholders; the start check guarantees every placeholder has a value here. */
export function fillText(template: string, values: Partial<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole);
}
