import { ConfigError, type PagesConfig } from '../config/index.js';
import { compileTextBook, createViewFactory, LANGS, loadBrands, loadTextsFile, type BrandSet, type CreateView, type TextOverrides } from './pages/index.js';
import type { ServedProvider } from './scope.js';

export interface PageKit {
  readonly view: CreateView;
  readonly brands: BrandSet;
}

/**
 * Everything the pages need, built and checked once at start: the texts in force (built-in ←
 * texts files ← deployment ← provider; every key known, every placeholder allowed, texts files
 * complete), and each provider's brand (logo read, colour already contrast-checked by the config
 * schema). A problem stops the start with every issue named by its YAML path.
 */
export async function createPageKit(o: { readonly pages: PagesConfig | undefined; readonly providers: readonly ServedProvider[]; readonly longTermConsentDays: number }): Promise<PageKit> {
  const pages = o.pages;
  const issues: Array<{ path: string; message: string }> = [];
  const files: Partial<Record<(typeof LANGS)[number], Readonly<Record<string, unknown>>>> = {};
  for (const lang of LANGS) {
    const file = pages?.textsFiles[lang];
    if (!file) continue;
    try {
      files[lang] = await loadTextsFile(file);
    } catch (err) {
      issues.push({ path: `pages.textsFiles.${lang}`, message: err instanceof Error && 'code' in err ? `cannot read the texts file (${String((err as { code: unknown }).code)})` : 'not a YAML map of text key to sentence' });
    }
  }
  const served = new Set(o.providers.map((p) => p.name));
  for (const name of Object.keys(pages?.providers ?? {})) {
    if (!served.has(name)) issues.push({ path: `pages.providers.${name}`, message: 'no provider with this name under providers' });
  }
  const providerTexts: Record<string, TextOverrides | undefined> = {};
  for (const [name, p] of Object.entries(pages?.providers ?? {})) providerTexts[name] = p.texts;
  const { book, issues: textIssues } = compileTextBook({ files, ...(pages ? { deployment: pages.texts } : {}), providers: providerTexts });
  issues.push(...textIssues);
  if (issues.length > 0) throw new ConfigError('pages', issues);

  const perProvider: Record<string, PagesConfig['branding'] | undefined> = {};
  for (const [name, p] of Object.entries(pages?.providers ?? {})) perProvider[name] = p.branding;
  const brands = await loadBrands({ providers: o.providers, deployment: pages?.branding ?? {}, perProvider, defaultDisplayName: pages?.displayName ?? 'Zorgaanbieder' });
  return { brands, view: createViewFactory({ book, brands, longTermConsentDays: o.longTermConsentDays }) };
}
