import { html } from '../html.js';
import type { PageView } from '../page-view.js';
import { renderPage } from '../render-page.js';

/**
 * Technische storing (Core, S13): a minimal text, the provider's name and phone number, and the
 * Trace ID (MedMij-Request-ID) and Session ID (X-Correlation-ID) the Person can read out, and the
 * way back to the PGO when the interaction's client was checked. The two
 * ids were checked to be plain tokens; nothing else from the request is echoed.
 */
export function renderFailurePage(view: PageView, o: { readonly traceId?: string | undefined; readonly sessionId?: string | undefined; readonly backHref?: string }): string {
  const ids = [
    o.traceId ? html`<dt>${view.t('failure.traceId')}</dt><dd>${o.traceId}</dd>` : undefined,
    o.sessionId ? html`<dt>${view.t('failure.sessionId')}</dt><dd>${o.sessionId}</dd>` : undefined,
  ].filter((x) => x !== undefined);
  return renderPage(
    view,
    view.t('failure.title'),
    html`<h1>${view.t('failure.title')}</h1>
<p>${view.t('failure.text')}</p>
<p>${view.brand.supportPhone ? view.t('failure.call') : view.t('failure.callGeneric')}</p>
${ids.length ? html`<dl>${ids}</dl>` : ''}
${o.backHref ? html`<div class="actions"><a class="button secondary" href="${o.backHref}">${view.t('failure.back')}</a></div>` : ''}`,
  );
}
