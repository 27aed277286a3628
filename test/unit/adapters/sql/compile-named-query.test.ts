import { compileNamedQuery } from '../../../../adapters/sql/index.js';

test('named parameters become positional; repeats share one position; casts, strings, comments untouched', () => {
  const q = compileNamedQuery(
    "SELECT a::text, ':not' AS s, \"x:y\" FROM t -- :comment\n WHERE p = :patient AND (CAST(:code AS text) IS NULL OR c = :code) /* :x */ AND d = $q$:lit$q$",
    ['patient', 'code'],
  );
  expect(q.text).toBe("SELECT a::text, ':not' AS s, \"x:y\" FROM t -- :comment\n WHERE p = $1 AND (CAST($2 AS text) IS NULL OR c = $2) /* :x */ AND d = $q$:lit$q$");
  expect(q.names).toEqual(['patient', 'code']);
});

test.each([
  ['DELETE FROM t WHERE p = :patient', /single SELECT/],
  ['SELECT 1; DROP TABLE t', /one statement only/],
  ['SELECT * FROM t WHERE p = $1', /named parameters/],
  ['SELECT * FROM t WHERE p = :other', /unknown parameter :other/],
  ["SELECT 'unterminated", /unterminated/],
])('refused: %s', (sql, why) => {
  expect(() => compileNamedQuery(sql, ['patient'])).toThrow(why);
});
