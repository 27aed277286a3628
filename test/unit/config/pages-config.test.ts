import { describe, expect, it } from '@jest/globals';
import { configFields } from '../../../gateway/config/sections/config-fields.js';
import { contrastRatio } from '../../../gateway/config/sections/colour-contrast.js';
import { pagesSection } from '../../../gateway/config/sections/pages.js';

const schema = pagesSection(configFields('/etc/gw'));

describe('pages: branding config', () => {
  it('computes WCAG contrast ratios (black/white 21:1, same colour 1:1)', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#777777')).toBe(1);
    expect(contrastRatio('#767676', '#ffffff')).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio('#777777', '#ffffff')).toBeLessThan(4.5);
  });

  it('refuses a primary colour below 4.5:1 on white, per provider too, with its path', () => {
    const result = schema.safeParse({ branding: { primaryColour: '#ffcc00' }, providers: { a: { branding: { primaryColour: '#777777' } } } });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toEqual(['branding.primaryColour', 'providers.a.branding.primaryColour']);
    expect(result.error!.issues[0]!.message).toMatch(/WCAG 2.1 AA/);
  });

  it('accepts a dark colour, resolves the logo path, and refuses http links', () => {
    const ok = schema.parse({ branding: { primaryColour: '#00576B', logoFile: 'logo.svg', privacyUrl: 'https://z.example/privacy' } });
    expect(ok.branding).toEqual({ primaryColour: '#00576b', logoFile: '/etc/gw/logo.svg', privacyUrl: 'https://z.example/privacy' });
    expect(schema.safeParse({ branding: { contactUrl: 'http://z.example/contact' } }).success).toBe(false);
  });

  it('has a neutral default', () => {
    expect(schema.parse(undefined)).toEqual({ textsFiles: {}, texts: {}, displayName: 'Zorgaanbieder', branding: {}, providers: {} });
  });
});
