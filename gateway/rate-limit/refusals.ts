import type { RefusalWriter } from './limit-requests.js';

/**
 * 429 in each protocol's own shape. OAuth defines no rate-limit code; `temporarily_unavailable`
 * (RFC 6749 §4.1.2.1) is the one that tells a client to try again later. FHIR: OperationOutcome
 * with issue type `throttled` (FHIR IssueType). The browser gets a short page in Dutch and English.
 */
export const oauthRefusal: RefusalWriter = (res, retryAfter) => {
  res.status(429).set('Cache-Control', 'no-store').json({ error: 'temporarily_unavailable', error_description: `too many requests; retry after ${retryAfter} s` });
};

// Plain node:http calls only: the lean FHIR edge (fhir/node-edge.ts) has no Express response.
export const fhirRefusal: RefusalWriter = (res, retryAfter) => {
  const body = JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'throttled', diagnostics: `too many requests; retry after ${retryAfter} s` }] });
  res.statusCode = 429;
  res.setHeader('Content-Type', 'application/fhir+json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
};

export const pageRefusal: RefusalWriter = (res, retryAfter) => {
  res
    .status(429)
    .set('Cache-Control', 'no-store')
    .type('html')
    .send(
      `<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Te veel verzoeken</title></head><body>` +
        `<h1>Te veel verzoeken</h1><p>Probeer het over ${retryAfter} seconden opnieuw.</p>` +
        `<p lang="en">Too many requests. Please try again in ${retryAfter} seconds.</p></body></html>`,
    );
};
