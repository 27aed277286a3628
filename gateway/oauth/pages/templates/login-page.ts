import { html } from '../html.js';
import type { PageView } from '../page-view.js';
import { renderPage } from '../render-page.js';
import { csrfField } from './csrf-field.js';

/**
 * The DigiD simulator's form (development and test only; refused in production). A labelled BSN
 * field with a hint and, after a wrong entry, an error tied to the field (aria-describedby).
 */
export function renderLoginPage(view: PageView, o: { readonly action: string; readonly cancelAction: string; readonly csrf: string; readonly invalid: boolean }): string {
  const described = o.invalid ? 'bsn-hint bsn-error' : 'bsn-hint';
  return renderPage(
    view,
    view.t('login.title'),
    html`<h1>${view.t('login.title')}</h1>
<p>${view.t('login.simulatorNote')}</p>
<form method="post" action="${o.action}">
${csrfField(o.csrf)}
<label for="bsn">${view.t('login.bsnLabel')}</label>
<p class="hint" id="bsn-hint">${view.t('login.bsnHint')}</p>
${o.invalid ? html`<p class="error" id="bsn-error" role="alert">${view.t('login.bsnInvalid')}</p>` : ''}
<input type="text" id="bsn" name="bsn" inputmode="numeric" autocomplete="off" maxlength="9" required aria-describedby="${described}"${o.invalid ? html` aria-invalid="true" autofocus` : ''}>
<div class="actions">
<button type="submit" class="primary">${view.t('login.submit')}</button>
</div>
</form>
<form method="post" action="${o.cancelAction}">${csrfField(o.csrf)}<button type="submit" class="secondary">${view.t('login.cancel')}</button></form>`,
  );
}
