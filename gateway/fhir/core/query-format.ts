/** `_format` from a raw query string without parsing the rest (metadata and error answers). */
export function formatParamOf(rawQuery: string): string | undefined {
  if (!rawQuery.includes('_format=')) return undefined;
  for (const piece of rawQuery.split('&')) {
    if (piece.startsWith('_format=')) {
      try {
        return decodeURIComponent(piece.slice('_format='.length));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
