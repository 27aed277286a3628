import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, parseConfig, type ConfigIssue } from '../../../gateway/config/index.js';
import { ErrorCodes } from '../../../gateway/errors.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const fixture = (name: string) => path.join(root, 'test/fixtures/config', name);

async function issuesOf(file: string, env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
  const err = await loadConfig(file, env).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ConfigError)) throw new Error(`expected a ConfigError from ${path.basename(file)}, got ${String(err)}`);
  return err;
}

const paths = (issues: readonly ConfigIssue[]) => issues.map((i) => i.path);

describe('loadConfig: valid files', () => {
  it('loads the development fixture, applies defaults and resolves relative paths against the file', async () => {
    const config = await loadConfig(fixture('valid.yaml'), {});
    expect(config.mode).toBe('development');
    expect(config.tls.certFile).toBe(fixture('certs/server.crt'));
    expect(config.lists.whitelist.source).toBe(fixture('lists/whitelist.xml'));
    expect(config.lists.whitelist.refreshSeconds).toBe(60);
    expect(config.lists.oauthClientList.refreshSeconds).toBe(900);
    expect(config.listeners.node).toEqual({ host: '127.0.0.1', port: 9443, publicUrl: 'https://localhost:9443' });
    expect(config.providers[0]?.services[1]).toEqual({ id: '63', standard: 'vaccinaties-1', fhirVersion: 'R4', adapter: 'test-ehr', timeoutMs: 20_000 });
  });

  it('resolves relative paths against the folder of the file, not the working directory', () => {
    const text = 'tls: { certFile: a.crt, keyFile: ../b.key, clientCaFile: /abs/ca.crt }\nlists:\n' +
      ['whitelist', 'oauthClientList', 'zorgaanbiederslijst', 'gegevensdienstnamenlijst'].map((k) => `  ${k}: { source: l/${k}.xml }\n`).join('');
    const config = parseConfig(text, { file: '/srv/gw/conf/gateway.yaml', env: {} });
    expect(config.tls.certFile).toBe('/srv/gw/conf/a.crt');
    expect(config.tls.keyFile).toBe('/srv/gw/b.key');
    expect(config.tls.clientCaFile).toBe('/abs/ca.crt');
    expect(config.lists.zorgaanbiederslijst.source).toBe('/srv/gw/conf/l/zorgaanbiederslijst.xml');
  });

  it('deep-freezes the result', async () => {
    const config = await loadConfig(fixture('valid.yaml'), {});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.tls.trustedProxy.addresses)).toBe(true);
    expect(Object.isFrozen(config.providers[0]?.services[0])).toBe(true);
    expect(() => {
      (config.listeners.node as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('resolves ${env:NAME} as a whole value and embedded in a string', async () => {
    const text = readFileSync(fixture('invalid-env-unset.yaml'), 'utf8');
    const config = parseConfig(text, { file: fixture('x.yaml'), env: { GW_TEST_UNSET_REDIS_PASSWORD: 'pw' } });
    expect(config.storage).toMatchObject({ kind: 'redis', url: 'redis://gw:pw@127.0.0.1:6379', keyPrefix: 'medmij:' });

    const whole = parseConfig(text.replace('"redis://gw:${env:GW_TEST_UNSET_REDIS_PASSWORD}@127.0.0.1:6379"', '${env:R_URL}'), {
      file: fixture('x.yaml'),
      env: { R_URL: 'rediss://cache.internal:6380' },
    });
    expect(whole.storage).toMatchObject({ url: 'rediss://cache.internal:6380' });
  });
});

describe('loadConfig: one mistake per fixture, reported by YAML path', () => {
  const cases: Array<[file: string, expected: string[], message: RegExp]> = [
    ['invalid-unknown-key-top.yaml', ['colour'], /unknown key/],
    // The typo is unknown AND leaves the required key missing: both are reported.
    ['invalid-unknown-key-nested.yaml', ['tls.certFile', 'tls.certFil'], /required key is missing|unknown key/],
    ['invalid-wrong-type.yaml', ['tls.generateDevCertificates'], /expected boolean/],
    ['invalid-port-out-of-range.yaml', ['listeners.node.port'], /65535/],
    ['invalid-env-unset.yaml', ['storage.url'], /GW_TEST_UNSET_REDIS_PASSWORD is not set/],
    ['invalid-duplicate-key.yaml', ['logging.level'], /duplicate key/],
    ['invalid-yaml-tag.yaml', ['providers[0].supportPhone'], /tags are not allowed/],
    ['invalid-memory-in-production.yaml', ['storage.kind'], /refused in production/],
    ['invalid-dev-certs-in-production.yaml', ['tls.generateDevCertificates'], /refused in production/],
    ['invalid-demo-adapter-in-production.yaml', ['adapters[0].kind'], /refused in production/],
    ['invalid-missing-adapter.yaml', ['providers[0].services[1].adapter'], /no adapter with id "lab-ehr"/],
    ['invalid-duplicate-provider.yaml', ['providers[1].name'], /duplicate provider/],
    ['invalid-http-list-url.yaml', ['lists.whitelist.source'], /https only/],
    ['invalid-trusted-proxy-without-addresses.yaml', ['tls.trustedProxy.addresses'], /at least one address/],
  ];

  it.each(cases)('%s → %j', async (file, expected, message) => {
    const err = await issuesOf(fixture(file));
    expect(err.code).toBe(ErrorCodes.CONFIG_INVALID);
    expect(paths(err.issues)).toEqual(expected);
    for (const issue of err.issues) {
      expect(issue.message).toMatch(message);
      expect(issue.line).toBeGreaterThan(1); // every fixture starts with a comment line
    }
  });

  it('reports a YAML syntax error with its line', async () => {
    const err = await issuesOf(fixture('invalid-yaml-syntax.yaml'));
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ path: '', line: 11 });
    expect(err.issues[0]?.message).toMatch(/^YAML: /);
    expect(err.format()).toContain('invalid-yaml-syntax.yaml:11:');
  });

  it('reports several mistakes at once, in file order, one per line of format()', async () => {
    const err = await issuesOf(fixture('invalid-several-mistakes.yaml'));
    expect(paths(err.issues)).toEqual(['listeners.patient.port', 'tls.colour', 'storage.kind', 'providers[0].services[0].adapter']);
    const lines = err.format().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe(`${fixture('invalid-several-mistakes.yaml')}:9:3: tls.colour: unknown key`);
  });

  it('names a missing file without throwing anything but ConfigError', async () => {
    const err = await issuesOf(fixture('does-not-exist.yaml'));
    expect(err.issues).toEqual([{ path: '', message: 'cannot read the file (ENOENT)' }]);
  });
});

describe('loadConfig: messages never echo values', () => {
  const secret = 'Sup3rS3cretPassw0rd';
  const base = 'tls: { certFile: a, keyFile: b, clientCaFile: c }\nlists:\n' +
    ['whitelist', 'oauthClientList', 'zorgaanbiederslijst', 'gegevensdienstnamenlijst'].map((k) => `  ${k}: { source: l.xml }\n`).join('');

  const messageOf = (text: string, env: NodeJS.ProcessEnv) => {
    try {
      parseConfig(text, { file: '/etc/gw.yaml', env });
    } catch (err) {
      if (err instanceof ConfigError) return { text: `${err.message}\n${err.format()}`, paths: paths(err.issues) };
      throw err;
    }
    throw new Error('expected a ConfigError');
  };

  it('a secret from the environment in a wrong-protocol URL', () => {
    const out = messageOf(`${base}storage: { kind: redis, url: "\${env:REDIS_URL}" }\n`, { REDIS_URL: `http://gw:${secret}@cache:6379` });
    expect(out.paths).toEqual(['storage.url']);
    expect(out.text).not.toContain(secret);
  });

  it('a secret typed into the wrong key or an enum', () => {
    const out = messageOf(`${base}logging: { level: ${secret} }\noperations: { port: "${secret}" }\n`, {});
    expect(out.paths).toEqual(['logging.level', 'operations.port']);
    expect(out.text).not.toContain(secret);
  });
});
