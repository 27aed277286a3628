import { html, type SafeHtml } from '../html.js';

/** The per-interaction CSRF token every state-changing form carries (checked by the router). */
export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${token}">`;
}
