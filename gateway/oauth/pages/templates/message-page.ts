import { html } from '../html.js';
import type { PageView } from '../page-view.js';
import { renderPage } from '../render-page.js';
import type { TextKey } from '../texts/index.js';

/** The pages that only tell the Person something, each a title and its sentences, in order. */
export const MESSAGE_PAGES = {
  cancelled: { title: 'cancelled.title', lines: ['cancelled.text', 'cancelled.again'], back: 'cancelled.back' },
  /** The same end in a Delen flow: nothing was shared (rather than: nothing was given to the PGO). */
  cancelledShare: { title: 'cancelled.title', lines: ['cancelled.textShare', 'cancelled.again'], back: 'cancelled.back' },
  notAvailable: { title: 'notAvailable.title', lines: ['notAvailable.text', 'notAvailable.contact'], back: 'notAvailable.back' },
  expired: { title: 'expired.title', lines: ['expired.text', 'expired.again'] },
  answered: { title: 'answered.title', lines: ['answered.text', 'answered.again'] },
  requestError: { title: 'requestError.title', lines: ['requestError.text', 'requestError.again'] },
  forbidden: { title: 'forbidden.title', lines: ['forbidden.text', 'forbidden.again'] },
  home: { title: 'home.title', lines: ['home.text', 'home.start'] },
} as const satisfies Record<string, { readonly title: TextKey; readonly lines: readonly TextKey[]; readonly back?: TextKey }>;

export type MessagePage = keyof typeof MESSAGE_PAGES;

/**
 * A message page. `backHref` (the PGO's redirect, built by oidc-provider) is offered only where
 * client_id and redirect_uri were checked, i.e. inside a live interaction (digest §2.4, S13).
 */
export function renderMessagePage(view: PageView, page: MessagePage, o: { readonly backHref?: string; readonly traceId?: string; readonly sessionId?: string } = {}): string {
  const spec: { readonly title: TextKey; readonly lines: readonly TextKey[]; readonly back?: TextKey } = MESSAGE_PAGES[page];
  return renderPage(
    view,
    view.t(spec.title),
    html`<h1>${view.t(spec.title)}</h1>
${spec.lines.map((key) => html`<p>${view.t(key)}</p>\n`)}
${o.traceId || o.sessionId ? html`<dl>${o.traceId ? html`<dt>${view.t('failure.traceId')}</dt><dd>${o.traceId}</dd>` : ''}${o.sessionId ? html`<dt>${view.t('failure.sessionId')}</dt><dd>${o.sessionId}</dd>` : ''}</dl>` : ''}
${spec.back && o.backHref ? html`<div class="actions"><a class="button primary" href="${o.backHref}">${view.t(spec.back)}</a></div>` : ''}`,
  );
}
