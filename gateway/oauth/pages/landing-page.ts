import { escapeHtml, renderPage } from './render-page.js';
import { TEXTS, type Lang } from './texts.js';


/** MedMij landing page (RFC0032, `show_landing_page`): where the Person is about to log in. */
export function renderLandingPage(v: { lang: Lang; pgo: string; provider: string; loginHref: string; cancelHref: string; selfHref: (l: Lang) => string }): string {
  const t = TEXTS[v.lang];
  const other: Lang = v.lang === 'nl' ? 'en' : 'nl';
  return renderPage({
    lang: v.lang,
    title: t.landingTitle(v.provider),
    skip: t.skip,
    languageLink: { href: v.selfHref(other), label: t.language, lang: other },
    body: `<h1>${escapeHtml(t.landingTitle(v.provider))}</h1>
<p>${escapeHtml(t.landingIntro(v.pgo, v.provider))}</p>
<p>${escapeHtml(t.landingNext)}</p>
<div class="actions">
<a class="button primary" href="${escapeHtml(v.loginHref)}">${escapeHtml(t.loginButton)}</a>
<a class="button secondary" href="${escapeHtml(v.cancelHref)}">${escapeHtml(t.cancel)}</a>
</div>`,
  });
}
