import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkConfigFile } from '../../../gateway/config/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let dir: string;
let valid: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'check-config-'));
  valid = await readFile(path.join(root, 'test/fixtures/config/valid.yaml'), 'utf8');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** valid.yaml with its providers section replaced. */
async function withProviders(yaml: string): Promise<string> {
  const start = valid.indexOf('providers:');
  const end = valid.indexOf('adapters:');
  const file = path.join(dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, `${valid.slice(0, start)}${yaml}\n${valid.slice(end)}`);
  return file;
}

describe('check-config refuses a config that would serve nothing', () => {
  it('accepts the fixture as it is (the baseline of the cases below)', async () => {
    expect(await checkConfigFile(await withProviders(valid.slice(valid.indexOf('providers:'), valid.indexOf('adapters:'))))).toMatchObject({ ok: true });
  });

  it.each([
    ['no providers section', ''],
    ['an empty providers list', 'providers: []'],
  ])('%s: no care provider', async (_case, yaml) => {
    const file = await withProviders(yaml);
    const result = await checkConfigFile(file);
    expect(result).toEqual({ ok: false, errors: [expect.stringMatching(/providers: no care provider is configured, so the gateway would serve nothing/)] });
  });

  it('a provider without data services, naming the path', async () => {
    const file = await withProviders('providers:\n  - { name: testziekenhuis, displayName: Test, supportPhone: "1", services: [] }');
    const result = await checkConfigFile(file);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.join('\n')).toMatch(/providers\[0\]\.services/);
  });
});
