import { describe, expect, it } from '@jest/globals';
import { compileTextBook, DEFAULT_TEXTS, TEXT_KEYS } from '../../../../gateway/oauth/pages/index.js';

const KEYS = Object.keys(TEXT_KEYS);

describe('screen texts as data', () => {
  it('the built-in nl and en texts have every key and only allowed placeholders', () => {
    const { issues } = compileTextBook({});
    expect(issues).toEqual([]);
    for (const lang of ['nl', 'en'] as const) expect(Object.keys(DEFAULT_TEXTS[lang]).sort()).toEqual([...KEYS].sort());
  });

  it('the Dutch defaults speak informally ("je"), never "u"/"uw"', () => {
    for (const sentence of Object.values(DEFAULT_TEXTS.nl)) expect(sentence).not.toMatch(/\b(u|uw|U|Uw)\b/);
  });

  it('refuses an unknown key, an unknown placeholder, an empty text, and names each by its YAML path', () => {
    const { issues } = compileTextBook({
      deployment: { nl: { 'landing.titel': 'x', 'landing.title': 'Welkom bij {aanbieder}', 'consent.title': '' } },
      providers: { demoziekenhuis: { en: { 'home.start': 'Start in {pgo}' } } },
    });
    expect(issues).toEqual([
      { path: 'pages.texts.nl.landing.titel', message: 'unknown text key' },
      { path: 'pages.texts.nl.landing.title', message: 'unknown placeholder {aanbieder}; this text may use {provider}' },
      { path: 'pages.texts.nl.consent.title', message: 'must be a non-empty string' },
      { path: 'pages.providers.demoziekenhuis.texts.en.home.start', message: 'unknown placeholder {pgo}; this text may use {provider}' },
    ]);
  });

  it('demands every key from a complete texts file', () => {
    const { issues } = compileTextBook({ files: { en: { 'consent.title': 'Permission' } } });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('pages.textsFiles.en');
    expect(issues[0]!.message).toMatch(/^missing text keys: page\.skip, /);
  });

  it('layers defaults ← texts file ← deployment ← provider', () => {
    const file = { ...DEFAULT_TEXTS.nl, 'landing.next': 'uit het bestand', 'landing.login': 'bestand' };
    const { book, issues } = compileTextBook({
      files: { nl: file },
      deployment: { nl: { 'landing.login': 'deployment', 'landing.cancel': 'deployment' } },
      providers: { a: { nl: { 'landing.cancel': 'aanbieder a' } } },
    });
    expect(issues).toEqual([]);
    expect(book.texts('nl', 'a')['landing.next']).toBe('uit het bestand');
    expect(book.texts('nl', 'a')['landing.login']).toBe('deployment');
    expect(book.texts('nl', 'a')['landing.cancel']).toBe('aanbieder a');
    expect(book.texts('nl', 'b')['landing.cancel']).toBe('deployment');
    expect(book.texts('en', 'a')['landing.cancel']).toBe(DEFAULT_TEXTS.en['landing.cancel']);
  });
});

describe('the texts template (medmij-gateway texts <lang>)', () => {
  it('is a complete texts file that passes the start check unchanged', async () => {
    const { parse } = await import('yaml');
    const { formatTextsTemplate } = await import('../../../../gateway/oauth/pages/index.js');
    for (const lang of ['nl', 'en'] as const) {
      const file = parse(formatTextsTemplate(lang)) as Record<string, unknown>;
      expect(Object.keys(file)).toEqual(KEYS);
      expect(compileTextBook({ files: { [lang]: file } }).issues).toEqual([]);
    }
  });
});
