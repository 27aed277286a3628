import { escapeHtml, renderPage } from './render-page.js';
import { TEXTS, type Lang } from './texts.js';

/**
 * The DigiD simulator's form (development and test only; refused in production). A labelled
 * BSN field with a hint and, after a wrong entry, an error tied to the field (aria-describedby).
 */
export function renderLoginPage(v: { lang: Lang; provider: string; action: string; cancelHref: string; invalid: boolean }): string {
  const t = TEXTS[v.lang];
  const described = v.invalid ? 'bsn-hint bsn-error' : 'bsn-hint';
  return renderPage({
    lang: v.lang,
    title: `${t.loginTitle} – ${v.provider}`,
    skip: t.skip,
    body: `<h1>${escapeHtml(t.loginTitle)}</h1>
<p>${escapeHtml(t.simulatorNote)}</p>
<form method="post" action="${escapeHtml(v.action)}">
<label for="bsn">${escapeHtml(t.bsnLabel)}</label>
<p class="hint" id="bsn-hint">${escapeHtml(t.bsnHint)}</p>
${v.invalid ? `<p class="error" id="bsn-error" role="alert">${escapeHtml(t.bsnInvalid)}</p>` : ''}
<input type="text" id="bsn" name="bsn" inputmode="numeric" autocomplete="off" maxlength="9" required aria-describedby="${described}"${v.invalid ? ' aria-invalid="true" autofocus' : ''}>
<div class="actions">
<button type="submit" class="primary">${escapeHtml(t.loginButton)}</button>
<a class="button secondary" href="${escapeHtml(v.cancelHref)}">${escapeHtml(t.cancel)}</a>
</div>
</form>`,
  });
}
