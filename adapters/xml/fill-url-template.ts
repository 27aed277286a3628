/**
 * Fills `{name}` placeholders of a URL template with URL-encoded values. The template itself
 * comes from validated config; only values are encoded, so no value can add a path segment or a
 * query parameter of its own.
 */
export function fillUrlTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{([^{}]+)\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no value for {${name}}`);
    return encodeURIComponent(v);
  });
}

/** Appends query parameters (URL-encoded) to a path that may already have a query. */
export function appendQuery(pathAndQuery: string, params: ReadonlyArray<readonly [string, string]>): string {
  if (params.length === 0) return pathAndQuery;
  const q = new URLSearchParams(params.map(([k, v]) => [k, v] as [string, string])).toString();
  return `${pathAndQuery}${pathAndQuery.includes('?') ? '&' : '?'}${q}`;
}
