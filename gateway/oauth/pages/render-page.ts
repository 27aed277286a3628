import { html, type SafeHtml } from './html.js';
import type { PageView } from './page-view.js';

/** Where the pages' base stylesheet is served; no inline style, so the CSP needs no hash. */
export const STYLESHEET_PATH = '/assets/oauth.css';

/**
 * The frame every page shares: `lang`, a title, the provider's name and logo on top, a language
 * switch, one main landmark with one h1 (in `body`), a footer with the provider's privacy and
 * contact links, and a skip link (WCAG 2.1 AA basics). No script at all: it works without
 * JavaScript and under `script-src 'none'`.
 */
export function renderPage(view: PageView, title: string, body: SafeHtml): string {
  const { brand } = view;
  const other = view.lang === 'nl' ? 'en' : 'nl';
  const footerLinks = [
    brand.privacyUrl ? html`<li><a href="${brand.privacyUrl}">${view.t('page.privacy')}</a></li>` : undefined,
    brand.contactUrl ? html`<li><a href="${brand.contactUrl}">${view.t('page.contact')}</a></li>` : undefined,
  ].filter((l) => l !== undefined);
  return html`<!DOCTYPE html>
<html lang="${view.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – ${brand.displayName}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
<link rel="stylesheet" href="${brand.stylesheetHref}">
</head>
<body>
<a class="skip" href="#main">${view.t('page.skip')}</a>
<header class="brand">
<p class="provider">${brand.logoHref ? html`<img class="logo" src="${brand.logoHref}" alt="${view.t('page.logoAlt')}">` : ''}<span>${brand.displayName}</span></p>
${view.switchHref ? html`<nav aria-label="${view.t('page.languageNav')}"><a href="${view.switchHref}" lang="${other}" hreflang="${other}">${view.t('page.switchLanguage')}</a></nav>` : ''}
</header>
<main id="main" tabindex="-1">
${body}
</main>
${footerLinks.length ? html`<footer><nav aria-label="${view.t('page.footerNav')}"><ul>${footerLinks}</ul></nav></footer>` : ''}
</body>
</html>`.toString();
}
