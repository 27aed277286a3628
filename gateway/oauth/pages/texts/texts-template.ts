import { DEFAULT_TEXTS } from './text-book.js';
import { TEXT_KEYS, type Lang, type TextKey } from './text-keys.js';

/**
 * A complete texts file for `pages.textsFiles.<lang>`: every key in screen order, each with a
 * comment naming the placeholders it may use, filled with the project's own sentences. Vendors
 * replace the sentences with MedMij's published texts (README "Screen texts").
 */
export function formatTextsTemplate(lang: Lang): string {
  const lines = [
    `# Screen texts (${lang}) for pages.textsFiles.${lang}: one key per sentence, all keys required.`,
    '# Placeholders in braces are filled in by the gateway; a text may use only the ones named above it.',
  ];
  let screen = '';
  for (const key of Object.keys(TEXT_KEYS) as TextKey[]) {
    const prefix = key.split('.')[0] ?? '';
    if (prefix !== screen) {
      lines.push('', `# --- ${prefix} ---`);
      screen = prefix;
    }
    const allowed: readonly string[] = TEXT_KEYS[key];
    if (allowed.length > 0) lines.push(`# ${allowed.map((p) => `{${p}}`).join(' ')}`);
    lines.push(`${key}: ${JSON.stringify(DEFAULT_TEXTS[lang][key])}`);
  }
  return `${lines.join('\n')}\n`;
}
