/**
 * Nictiz test data carries dates relative to the day it is loaded: `${DATE, T, D, -21}` is the
 * load date minus 21 days, `M` counts months and `Y` years (fixtures README). We resolve them in
 * the file text, before parsing, so JSON and XML files are treated alike. Month steps clamp to
 * the end of the month (31 March minus one month is 28 or 29 February).
 */
const PLACEHOLDER = /\$\{DATE,\s*T,\s*([YMD]),\s*([+-]?\s*\d{1,5})\s*\}/g;

function shift(base: Date, unit: string, amount: number): Date {
  const y = base.getUTCFullYear();
  const m = base.getUTCMonth();
  const d = base.getUTCDate();
  if (unit === 'D') return new Date(Date.UTC(y, m, d + amount));
  const months = unit === 'M' ? amount : amount * 12;
  const firstOfTarget = new Date(Date.UTC(y, m + months, 1));
  const lastDay = new Date(Date.UTC(firstOfTarget.getUTCFullYear(), firstOfTarget.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(Date.UTC(firstOfTarget.getUTCFullYear(), firstOfTarget.getUTCMonth(), Math.min(d, lastDay)));
}

export function resolveDatePlaceholders(text: string, loadDate: Date): string {
  return text.replace(PLACEHOLDER, (_all, unit: string, amount: string) =>
    shift(loadDate, unit, Number(amount.replace(/\s+/g, ''))).toISOString().slice(0, 10),
  );
}
