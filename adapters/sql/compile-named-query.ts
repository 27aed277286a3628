/**
 * Named parameters (`:patient`, `:code`) → PostgreSQL positional parameters (`$1`, `$2`). Values
 * are only ever bound, never spliced into the text: that is what makes every value, the patient
 * reference included, immune to SQL injection. The query text itself comes from validated config
 * and must be ONE read statement (SELECT or WITH), or for a Delen write ONE INSERT: no `;`, no
 * positional parameters of its own. (An INSERT is what a write needs and all it may do: no
 * UPDATE or DELETE of what the EHR already holds.)
 * String literals, quoted identifiers, comments and `::` casts are skipped while scanning.
 */
export interface CompiledQuery {
  readonly text: string;
  /** Bind names in `$n` order. */
  readonly names: readonly string[];
}

export function compileNamedQuery(sql: string, allowed: readonly string[], kind: 'select' | 'insert' = 'select'): CompiledQuery {
  const trimmed = sql.trim();
  if (kind === 'select' && !/^(select|with)\b/i.test(trimmed)) throw new Error('a query must be a single SELECT (or WITH … SELECT)');
  if (kind === 'insert' && !/^insert\s+into\b/i.test(trimmed)) throw new Error('a write statement must be a single INSERT INTO');
  const names: string[] = [];
  let text = '';
  let i = 0;
  while (i < trimmed.length) {
    const c = trimmed[i] ?? '';
    const rest = trimmed.slice(i);
    const skip = /^('(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\/|(\$[A-Za-z_]?\w*\$)[\s\S]*?\2)/.exec(rest);
    if (skip) {
      text += skip[0];
      i += skip[0].length;
      continue;
    }
    if (c === "'" || c === '"' || rest.startsWith('/*')) throw new Error('unterminated literal or comment');
    if (rest.startsWith('::')) {
      text += '::';
      i += 2;
      continue;
    }
    if (c === ';') throw new Error('one statement only: no ";"');
    if (c === '$' && /^\$\d/.test(rest)) throw new Error('use named parameters (:name), not $n');
    const named = /^:([A-Za-z_]\w*)/.exec(rest);
    if (named?.[1]) {
      const name = named[1];
      if (!allowed.includes(name)) throw new Error(`unknown parameter :${name} (allowed: ${allowed.map((a) => `:${a}`).join(', ')})`);
      let pos = names.indexOf(name);
      if (pos < 0) pos = names.push(name) - 1;
      text += `$${pos + 1}`;
      i += named[0].length;
      continue;
    }
    text += c;
    i += 1;
  }
  return { text, names };
}
