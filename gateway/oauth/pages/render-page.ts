import type { Lang } from './texts.js';

/** HTML-escapes text for element content and double-quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Where the pages' only stylesheet is served; no inline style, so the CSP needs no hash. */
export const STYLESHEET_PATH = '/assets/oauth.css';

/**
 * The page frame every interaction page shares: `lang`, a title, one h1 per page (in `body`), a
 * main landmark and a skip link (WCAG 2.1 AA basics); no script at all, so it works without
 * JavaScript and under `script-src 'none'`. `body` must already be escaped.
 */
export function renderPage(options: { readonly lang: Lang; readonly title: string; readonly body: string; readonly skip: string; readonly languageLink?: { readonly href: string; readonly label: string; readonly lang: Lang } }): string {
  const { lang, title, body, skip, languageLink } = options;
  const switcher = languageLink
    ? `<nav aria-label="${lang === 'nl' ? 'Taal' : 'Language'}"><a href="${escapeHtml(languageLink.href)}" lang="${languageLink.lang}" hreflang="${languageLink.lang}">${escapeHtml(languageLink.label)}</a></nav>`
    : '';
  return `<!DOCTYPE html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<a class="skip" href="#main">${escapeHtml(skip)}</a>
<header>${switcher}</header>
<main id="main" tabindex="-1">
${body}
</main>
</body>
</html>`;
}
