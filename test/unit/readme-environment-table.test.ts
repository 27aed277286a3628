import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fromProjectRoot } from '../../gateway/project-root.js';

/**
 * The README's table of environment variables names every `${env:NAME}` the shipped config files
 * use and every variable the gateway reads itself (config/load.ts is the only reader), so a
 * deployer never has to grep for them.
 */
function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(name) ? [p] : [];
  });
}

const readme = readFileSync(fromProjectRoot('README.md'), 'utf8');
const section = readme.slice(readme.indexOf('### Environment variables'));
const tableRows = section.split('\n').filter((l) => l.startsWith('| `'));
const documented = new Set(tableRows.flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!)));

test('every ${env:NAME} in the shipped config files is in the table', () => {
  const used = new Set(
    yamlFiles(fromProjectRoot('config'))
      .flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\$\{env:([A-Z][A-Z0-9_]*)\}/g)].map((m) => m[1]!))
      .filter((name) => name !== 'NAME'), // the placeholder in the explanations
  );
  expect(used.size).toBeGreaterThanOrEqual(5);
  expect([...used].filter((n) => !documented.has(n)).sort()).toEqual([]);
});

test('every variable the gateway reads itself is in the table', () => {
  const load = readFileSync(fromProjectRoot('gateway', 'config', 'load.ts'), 'utf8');
  const read = [...load.matchAll(/env\['([A-Z][A-Z0-9_]*)'\]/g)].map((m) => m[1]!);
  expect(read).toEqual(expect.arrayContaining(['MEDMIJ_GATEWAY_CONFIG', 'MEDMIJ_GATEWAY_HEALTH_URL']));
  expect(read.filter((n) => !documented.has(n))).toEqual([]);
});
