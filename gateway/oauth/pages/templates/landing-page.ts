import { html } from '../html.js';
import type { PageView } from '../page-view.js';
import { renderPage } from '../render-page.js';
import { csrfField } from './csrf-field.js';

/**
 * Landingspagina (RFC0032, `show_landing_page`): where the Person is, and that DigiD comes next;
 * with `share` (Delen) it says the Person shares data and confirms it afterwards.
 */
export function renderLandingPage(view: PageView, o: { readonly loginHref: string; readonly cancelAction: string; readonly csrf: string; readonly share?: boolean }): string {
  return renderPage(
    view,
    view.t('landing.title'),
    html`<h1>${view.t('landing.title')}</h1>
<p>${view.t(o.share ? 'landing.introShare' : 'landing.intro')}</p>
<p>${view.t('landing.digid')}</p>
<p>${view.t(o.share ? 'landing.nextShare' : 'landing.next')}</p>
<div class="actions">
<a class="button primary" href="${o.loginHref}">${view.t('landing.login')}</a>
<form method="post" action="${o.cancelAction}">${csrfField(o.csrf)}<button type="submit" class="secondary">${view.t('landing.cancel')}</button></form>
</div>`,
  );
}
