declare const bsnBrand: unique symbol;

/** A Burgerservicenummer that passed the eleven test. Never logged, never stored (house rule 6). */
export type Bsn = string & { readonly [bsnBrand]: true };

/**
 * The BSN "elfproef": nine digits d1..d9 with 9·d1 + 8·d2 + … + 2·d8 − 1·d9 divisible by 11.
 * Eight-digit numbers are written with a leading zero. All zeros passes the sum but is no BSN.
 */
export function parseBsn(input: unknown): Bsn | undefined {
  if (typeof input !== 'string') return undefined;
  const digits = input.trim();
  if (!/^\d{9}$/.test(digits) || digits === '000000000') return undefined;
  let sum = 0;
  for (let i = 0; i < 8; i += 1) sum += Number(digits[i]) * (9 - i);
  sum -= Number(digits[8]);
  return sum % 11 === 0 ? (digits as Bsn) : undefined;
}
