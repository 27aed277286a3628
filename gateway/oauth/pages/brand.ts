import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** Branding as configured (`pages.branding`, `pages.providers.<name>.branding`); validated by the config schema. */
export interface BrandingConfig {
  readonly logoFile?: string | undefined;
  readonly primaryColour?: string | undefined;
  readonly privacyUrl?: string | undefined;
  readonly contactUrl?: string | undefined;
}

/** How one care provider's pages look: the trust cues at the top and bottom of every page. */
export interface Brand {
  /** Provider name, or `_default` for pages that name no provider. */
  readonly key: string;
  readonly displayName: string;
  readonly supportPhone?: string;
  readonly primaryColour: string;
  readonly stylesheetHref: string;
  readonly logoHref?: string;
  readonly privacyUrl?: string;
  readonly contactUrl?: string;
}

export interface BrandAsset {
  readonly type: string;
  readonly body: Buffer | string;
}

export interface BrandSet {
  forProvider(name: string | undefined): Brand;
  /** Served under /assets/brand/: one stylesheet per brand (its colour) and the logos. */
  readonly assets: ReadonlyMap<string, BrandAsset>;
}

/** Neutral default: a dark blue with 8.6:1 contrast on white. */
export const NEUTRAL_PRIMARY = '#0b4f8a';
export const BRAND_ASSET_PREFIX = '/assets/brand/';
const LOGO_TYPES: Readonly<Record<string, string>> = { '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp' };
const MAX_LOGO_BYTES = 256 * 1024;

/**
 * Reads the logos once at start (a missing or oversized file stops the start) and builds one
 * small stylesheet per brand that sets only the primary colour, so the pages keep a strict
 * `style-src 'self'` without inline styles.
 */
export async function loadBrands(o: {
  readonly providers: ReadonlyArray<{ readonly name: string; readonly displayName: string; readonly supportPhone: string }>;
  readonly deployment: BrandingConfig;
  readonly perProvider: Readonly<Record<string, BrandingConfig | undefined>>;
  /** Shown where no provider is known (GET /, a request we cannot place) and several are served. */
  readonly defaultDisplayName: string;
}): Promise<BrandSet> {
  const assets = new Map<string, BrandAsset>();
  const build = async (key: string, displayName: string, supportPhone: string | undefined, own: BrandingConfig): Promise<Brand> => {
    const merged: BrandingConfig = { ...o.deployment, ...stripUndefined(own) };
    const primaryColour = merged.primaryColour ?? NEUTRAL_PRIMARY;
    const stylesheetHref = `${BRAND_ASSET_PREFIX}${key}.css`;
    assets.set(stylesheetHref, { type: 'text/css', body: `:root{--primary:${primaryColour}}\n` });
    let logoHref: string | undefined;
    if (merged.logoFile) {
      const ext = path.extname(merged.logoFile).toLowerCase();
      const type = LOGO_TYPES[ext];
      if (!type) throw new Error(`pages branding of ${key}: logoFile must be .svg, .png, .jpg or .webp`);
      const body = await readFile(merged.logoFile);
      if (body.length > MAX_LOGO_BYTES) throw new Error(`pages branding of ${key}: logoFile is larger than 256 KiB`);
      logoHref = `${BRAND_ASSET_PREFIX}${key}-logo${ext}`;
      assets.set(logoHref, { type, body });
    }
    return {
      key,
      displayName,
      primaryColour,
      stylesheetHref,
      ...(supportPhone ? { supportPhone } : {}),
      ...(logoHref ? { logoHref } : {}),
      ...(merged.privacyUrl ? { privacyUrl: merged.privacyUrl } : {}),
      ...(merged.contactUrl ? { contactUrl: merged.contactUrl } : {}),
    };
  };
  const byName = new Map<string, Brand>();
  for (const p of o.providers) byName.set(p.name, await build(p.name, p.displayName, p.supportPhone, o.perProvider[p.name] ?? {}));
  const only = o.providers.length === 1 ? byName.get(o.providers[0]!.name) : undefined;
  const fallback = only ?? (await build('_default', o.defaultDisplayName, undefined, {}));
  return { forProvider: (name) => (name !== undefined ? byName.get(name) : undefined) ?? fallback, assets };
}

function stripUndefined(b: BrandingConfig): BrandingConfig {
  return Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)) as BrandingConfig;
}
