import { html } from '../html.js';
import type { PageView } from '../page-view.js';
import { renderPage } from '../render-page.js';
import { csrfField } from './csrf-field.js';

/**
 * Bevestigingsverklaring (Delen, Core; RFC0070): the statement that the PGO may share this data
 * service's data with the Aanbieder, who decides whether it goes into the record; the data
 * services by their Gegevensdienstnamenlijst names; that the confirmation holds for this one run
 * (no long-term option exists for Delen); then the explanation in its own section.
 */
export function renderConfirmationPage(view: PageView, o: { readonly action: string; readonly csrf: string }): string {
  return renderPage(
    view,
    view.t('confirm.title'),
    html`<h1>${view.t('confirm.title')}</h1>
<p>${view.t('confirm.statement')}</p>
<p>${view.t('confirm.servicesIntro')}</p>
<ul>
${view.services.map((s) => html`<li>${s}</li>`)}
</ul>
<form method="post" action="${o.action}">
${csrfField(o.csrf)}
<p class="once">${view.t('confirm.once')}</p>
<div class="actions">
<button type="submit" name="decision" value="allow" class="primary">${view.t('confirm.allow')}</button>
<button type="submit" name="decision" value="deny" class="secondary">${view.t('confirm.deny')}</button>
</div>
</form>
<section class="explanation" aria-labelledby="explanation-title">
<h2 id="explanation-title">${view.t('confirm.explanationTitle')}</h2>
<p>${view.t('confirm.chosen')}</p>
<p>${view.t('confirm.request')}</p>
<p>${view.t('confirm.after')}</p>
<p>${view.t('confirm.record')}${view.brand.privacyUrl ? html` <a href="${view.brand.privacyUrl}">${view.t('page.privacy')}</a>` : ''}</p>
</section>`,
  );
}
