import { escapeHtml, renderPage } from './render-page.js';
import { TEXTS, type Lang } from './texts.js';

/**
 * Two error pages. `request`: client_id or redirect_uri cannot be trusted, so we do not redirect
 * (RFC 6749 §4.1.2.1, digest §2.3). `failure`: MedMij "Technische storing" (S13) with the
 * provider's name and phone, the Trace ID (MedMij-Request-ID) and Session ID (X-Correlation-ID).
 * Neither echoes request input other than the two ids, which were checked to be plain tokens.
 */
export function renderErrorPage(v: {
  lang: Lang;
  kind: 'request' | 'failure';
  provider?: { readonly displayName: string; readonly supportPhone: string };
  traceId?: string;
  sessionId?: string;
}): string {
  const t = TEXTS[v.lang];
  const title = v.kind === 'request' ? t.requestErrorTitle : t.failureTitle;
  const text = v.kind === 'request' ? t.requestErrorText : v.provider ? t.failureText(v.provider.displayName, v.provider.supportPhone) : t.failureGeneric;
  const ids = [
    v.traceId ? `<dt>${escapeHtml(t.traceId)}</dt><dd>${escapeHtml(v.traceId)}</dd>` : '',
    v.sessionId ? `<dt>${escapeHtml(t.sessionId)}</dt><dd>${escapeHtml(v.sessionId)}</dd>` : '',
  ].join('');
  return renderPage({
    lang: v.lang,
    title,
    skip: t.skip,
    body: `<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(text)}</p>
${ids ? `<dl>${ids}</dl>` : ''}`,
  });
}
