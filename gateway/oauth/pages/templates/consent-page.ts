import { html } from '../html.js';
import type { PageView } from '../page-view.js';
import { renderPage } from '../render-page.js';
import { csrfField } from './csrf-field.js';

/**
 * Toestemmingsverklaring (Core 2.2.4, digest §2.4): title; the sentences naming the Aanbieder and
 * the PGO; the data services by their Gegevensdienstnamenlijst names; that the consent counts
 * once unless the Person ticks the long-term box, which is never pre-selected (S12); then the
 * explanation, in its own section: privacy, lapse after six months without use, logging in again,
 * how to change or withdraw, the MedMij rules.
 */
export function renderConsentPage(view: PageView, o: { readonly action: string; readonly csrf: string }): string {
  return renderPage(
    view,
    view.t('consent.title'),
    html`<h1>${view.t('consent.title')}</h1>
<p>${view.t('consent.question')}</p>
<p>${view.t('consent.need')}</p>
<p>${view.t('consent.servicesIntro')}</p>
<ul>
${view.services.map((s) => html`<li>${s}</li>`)}
</ul>
<form method="post" action="${o.action}">
${csrfField(o.csrf)}
<p class="once">${view.t('consent.once')}</p>
<div class="check">
<input type="checkbox" id="long-term" name="longTerm" value="yes" aria-describedby="long-term-hint">
<div><label for="long-term">${view.t('consent.longTermLabel')}</label>
<p class="hint" id="long-term-hint">${view.t('consent.longTermHint')}</p></div>
</div>
<div class="actions">
<button type="submit" name="decision" value="allow" class="primary">${view.t('consent.allow')}</button>
<button type="submit" name="decision" value="deny" class="secondary">${view.t('consent.deny')}</button>
</div>
</form>
<section class="explanation" aria-labelledby="explanation-title">
<h2 id="explanation-title">${view.t('consent.explanationTitle')}</h2>
<p>${view.t('consent.privacy')}${view.brand.privacyUrl ? html` <a href="${view.brand.privacyUrl}">${view.t('page.privacy')}</a>` : ''}</p>
<p>${view.t('consent.lapse')}</p>
<p>${view.t('consent.again')}</p>
<p>${view.t('consent.withdraw')}</p>
<p>${view.t('consent.medmij')}</p>
<p>${view.t('consent.secure')}</p>
</section>`,
  );
}
