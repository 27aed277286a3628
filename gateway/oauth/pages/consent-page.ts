import { escapeHtml, renderPage } from './render-page.js';
import { TEXTS, type Lang } from './texts.js';

/**
 * The Toestemmingsverklaring (digest §2.4): the PGO's name from the OCL, the provider's name and
 * the data services by their Gegevensdienstnamenlijst names; the long-term option is a checkbox
 * that is never pre-selected (S12).
 */
export function renderConsentPage(v: { lang: Lang; pgo: string; provider: string; services: readonly string[]; action: string }): string {
  const t = TEXTS[v.lang];
  return renderPage({
    lang: v.lang,
    title: `${t.consentTitle} – ${v.provider}`,
    skip: t.skip,
    body: `<h1>${escapeHtml(t.consentTitle)}</h1>
<p>${escapeHtml(t.consentIntro(v.pgo, v.provider))}</p>
<ul>
${v.services.map((s) => `<li>${escapeHtml(s)}</li>`).join('\n')}
</ul>
<form method="post" action="${escapeHtml(v.action)}">
<p>${escapeHtml(t.consentQuestion)}</p>
<div class="check">
<input type="checkbox" id="long-term" name="longTerm" value="yes" aria-describedby="long-term-hint">
<div><label for="long-term">${escapeHtml(t.longTermLabel)}</label>
<p class="hint" id="long-term-hint">${escapeHtml(t.longTermHint)}</p></div>
</div>
<div class="actions">
<button type="submit" name="decision" value="allow" class="primary">${escapeHtml(t.allow)}</button>
<button type="submit" name="decision" value="deny" class="secondary">${escapeHtml(t.deny)}</button>
</div>
</form>`,
  });
}
