import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { fromProjectRoot } from '../../gateway/project-root.js';
import { CLI_JS, MAIN_JS, ensureBuilt } from '../helpers/built-dist.js';

/**
 * The installed CLI and the start, as a deployer runs them: `--help` on every command prints its
 * usage and does nothing else (no files written), `--version`, unknown commands and options named,
 * and an unwritable audit path refused by check-config and by the start alike, with key and line.
 */
interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

function run(script: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

let cwd: string;

beforeAll(async () => {
  await ensureBuilt();
}, 240_000);

beforeEach(async () => {
  cwd = await mkdtemp(path.join(os.tmpdir(), 'medmij-cli-'));
});

afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const HELP_CASES: ReadonlyArray<readonly [string, readonly string[], RegExp]> = [
  ['certs:dev', ['certs:dev', '--help'], /^Usage: medmij-gateway certs:dev \[dir\]/],
  ['certs:dev -h with a dir', ['certs:dev', 'out', '-h'], /^Usage: medmij-gateway certs:dev/],
  ['check-config', ['check-config', '--help'], /^Usage: medmij-gateway check-config \[file\]/],
  ['zal', ['zal', '--help'], /^Usage: medmij-gateway zal \[file\]/],
  ['lists check', ['lists', 'check', '--help'], /^Usage: medmij-gateway lists check <file>/],
  ['health', ['health', '-h'], /^Usage: medmij-gateway health \[file\]/],
  ['pgo', ['pgo', '--help'], /^Usage: medmij-gateway pgo \[options\]/],
  ['top level', ['--help'], /^Usage: medmij-gateway <command>/],
];

test.each(HELP_CASES)('%s: --help prints the usage on stdout, exits 0 and writes no file', async (_name, args, usage) => {
  const result = await run(CLI_JS, args, cwd);
  expect({ code: result.code, err: result.err }).toEqual({ code: 0, err: '' });
  expect(result.out).toMatch(usage);
  // The bug: `certs:dev --help` generated a CA private key into ./--help.
  expect(await readdir(cwd)).toEqual([]);
}, 40_000);

test('--version prints the version package.json names', async () => {
  const pkg = JSON.parse(await readFile(fromProjectRoot('package.json'), 'utf8')) as { version: string };
  const result = await run(CLI_JS, ['--version'], cwd);
  expect(result).toEqual({ code: 0, out: `medmij-gateway ${pkg.version}\n`, err: '' });
}, 40_000);

test('an unknown command is named, with the usage, exit 2', async () => {
  const result = await run(CLI_JS, ['chek-config'], cwd);
  expect(result.code).toBe(2);
  expect(result.err).toMatch(/^medmij-gateway: unknown command "chek-config"\n/);
  expect(result.err).toContain('Usage: medmij-gateway <command>');
  expect(result.out).toBe('');
}, 40_000);

test('an unknown option is refused, not taken for a folder: certs:dev --force writes nothing', async () => {
  const result = await run(CLI_JS, ['certs:dev', '--force'], cwd);
  expect(result.code).toBe(2);
  expect(result.err).toMatch(/^medmij-gateway certs:dev: unknown option "--force"/);
  expect(await readdir(cwd)).toEqual([]);
}, 40_000);

describe('an unwritable audit path', () => {
  async function configWithAudit(audit: string): Promise<{ file: string; line: number }> {
    const root = fromProjectRoot();
    const doc = YAML.parse(await readFile(fromProjectRoot('config', 'gateway.yaml'), 'utf8')) as Record<string, any>;
    for (const list of Object.values(doc.lists as Record<string, { source: string }>)) list.source = path.resolve(root, 'config', list.source);
    doc.tls = { ...doc.tls, certFile: `${cwd}/certs/gateway.crt`, keyFile: `${cwd}/certs/gateway.key`, clientCaFile: `${cwd}/certs/ca.crt` };
    doc.logging = { level: 'info', audit };
    const text = YAML.stringify(doc);
    const file = path.join(cwd, 'gateway.yaml');
    await writeFile(file, text);
    const line = text.split('\n').findIndex((l) => l.trimStart().startsWith('audit:')) + 1;
    return { file, line };
  }

  // A regular file as a "folder" is unwritable even for root (the suite may run as root).
  const UNWRITABLE = () => path.join(cwd, 'gateway.yaml', 'audit', 'audit.log');

  test('check-config refuses it with the key and YAML line, no stack trace', async () => {
    const { file, line } = await configWithAudit(UNWRITABLE());
    const result = await run(CLI_JS, ['check-config', file], cwd);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`${file}:${line}:`);
    expect(result.err).toMatch(/logging\.audit: the audit file cannot be written/);
    expect(result.err).not.toMatch(/^\s+at /m);
  }, 40_000);

  test('the start refuses it the same way instead of crashing with EACCES', async () => {
    const { file, line } = await configWithAudit(UNWRITABLE());
    const result = await run(MAIN_JS, [file], cwd);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`${file}:${line}:`);
    expect(result.err).toMatch(/logging\.audit: the audit file cannot be written/);
    expect(result.err).toContain('The gateway did not start');
    expect(result.err).not.toMatch(/^\s+at /m);
    expect(result.out).not.toContain('MedMij gateway running');
  }, 40_000);

  test('a writable audit file in a folder still to be created passes check-config', async () => {
    const { file } = await configWithAudit(path.join(cwd, 'logs', 'audit.log'));
    const result = await run(CLI_JS, ['check-config', file], cwd);
    expect({ code: result.code, err: result.err }).toEqual({ code: 0, err: '' });
    // check-config never creates it.
    expect((await readdir(cwd)).sort()).toEqual(['gateway.yaml']);
  }, 40_000);
});
