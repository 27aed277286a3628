import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

export type FormRefusal = 'origin_missing' | 'origin_mismatch' | 'csrf_missing' | 'csrf_mismatch';

/**
 * Origin check for state-changing forms (OWASP CSRF cheat sheet, "verifying origin with standard
 * headers"): browsers send `Origin` on every POST; our pages use `Referrer-Policy: same-origin`
 * so that it carries our origin rather than `null`. Without Origin, only a browser's
 * `Sec-Fetch-Site: same-origin` is accepted; anything else fails closed.
 */
export function checkOrigin(req: Request, expected: { readonly publicOrigin: string; readonly alsoServedOrigin: boolean }): FormRefusal | undefined {
  const origin = req.get('origin');
  if (origin === undefined) return req.get('sec-fetch-site') === 'same-origin' ? undefined : 'origin_missing';
  if (origin === expected.publicOrigin) return undefined;
  // Outside production the listener is also reached on its own address (tests, a laptop on port 0).
  if (expected.alsoServedOrigin && origin === `https://${req.get('host') ?? ''}`) return undefined;
  return 'origin_mismatch';
}

/** The synchronizer token (per interaction, server-side) against the form's `csrf` field, in constant time. */
export function checkCsrf(body: unknown, expected: string): FormRefusal | undefined {
  const given = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).csrf : undefined;
  if (typeof given !== 'string' || given === '') return 'csrf_missing';
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b) ? undefined : 'csrf_mismatch';
}
