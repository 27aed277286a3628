/**
 * Host-name syntax (RFC 1123 §2.1, lowercase): what a MedMij Whitelist entry can be. Anything
 * else (wildcards, IP literals, quoted or escaped names) can never match and is dropped.
 */
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function isHostname(name: string): boolean {
  return HOSTNAME.test(name);
}

/**
 * The DNS names of Node's `subjectAltName` string (`DNS:a.example, IP Address:127.0.0.1`), in
 * lowercase. Node JSON-quotes a name that holds a comma, quote or other special character
 * (CVE-2021-44532), so a naive split on ", " could be fooled by a name such as
 * `x", DNS:evil.example`: this tokenizer honours the quotes and then drops every quoted name,
 * because a real host name never needs quoting.
 */
export function parseDnsAltNames(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  const names: string[] = [];
  let i = 0;
  const s = subjectAltName;
  while (i < s.length) {
    const colon = s.indexOf(':', i);
    if (colon < 0) break;
    const kind = s.slice(i, colon);
    let j = colon + 1;
    let value: string | undefined;
    if (s[j] === '"') {
      // Skip a JSON string: up to the first unescaped quote.
      j++;
      while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      j++;
    } else {
      const end = s.indexOf(', ', j);
      const stop = end < 0 ? s.length : end;
      value = s.slice(j, stop);
      j = stop;
    }
    if (kind === 'DNS' && value !== undefined) {
      const lower = value.toLowerCase();
      if (isHostname(lower)) names.push(lower);
    }
    // Expect ", " between entries; anything else means a format we do not understand: stop.
    if (j >= s.length) break;
    if (s.startsWith(', ', j)) i = j + 2;
    else break;
  }
  return names;
}
