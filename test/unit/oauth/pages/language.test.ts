import { describe, expect, it } from '@jest/globals';
import { pickLanguage } from '../../../../gateway/oauth/pages/index.js';

describe('the Person\'s language', () => {
  it.each([
    [{ uiLocales: 'en', acceptLanguage: 'nl' }, 'en'],
    [{ uiLocales: 'de-DE en-GB nl', acceptLanguage: 'nl' }, 'en'],
    [{ uiLocales: 'fr', lang: 'en', acceptLanguage: 'nl' }, 'en'],
    [{ lang: 'nl', acceptLanguage: 'en' }, 'nl'],
    [{ acceptLanguage: 'fr-FR,en;q=0.8,nl;q=0.9' }, 'nl'],
    [{ acceptLanguage: 'fr-FR,en;q=0.9,nl;q=0.8' }, 'en'],
    [{ acceptLanguage: 'en;q=0,de' }, 'nl'],
    [{ uiLocales: 'fr', acceptLanguage: 'de' }, 'nl'],
    [{}, 'nl'],
  ])('%j → %s', (input, expected) => {
    expect(pickLanguage(input)).toBe(expected);
  });
});
