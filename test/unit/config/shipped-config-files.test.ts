import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { createSilentLogger } from '../../../gateway/observability/logger.js';
import { createStore, MemoryStore } from '../../../gateway/storage/index.js';
import { checkConfigFile, ConfigError, createConfigSchema, loadConfig, parseConfig } from '../../../gateway/config/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const devFile = path.join(root, 'config/gateway.yaml');
const exampleFile = path.join(root, 'config/gateway.example.yaml');
const productionEnv = {
  REDIS_URL: 'rediss://gw:example-password@redis.internal:6380',
  OIDC_CLIENT_SECRET: 'example-client-secret',
  OAUTH_COOKIE_KEY: 'example-cookie-key-of-at-least-32-characters',
  EHR_FHIR_TOKEN: 'example-ehr-token',
};

/** Keys of list entries the example cannot show filled in (qualification tokens are refused in production): documented in its comment. */
const DOCUMENTED_IN_COMMENTS = [
  // url, sentinel and cluster exclude each other: the example shows url and the other two in comments.
  'storage.sentinel', 'storage.sentinel.masterName', 'storage.sentinel.nodes', 'storage.sentinel.nodes[].host', 'storage.sentinel.nodes[].port', 'storage.sentinel.password',
  'storage.cluster', 'storage.cluster.nodes', 'storage.username', 'storage.password',
 'qualification.tokens[].token', 'qualification.tokens[].patientRef', 'qualification.tokens[].provider', 'qualification.tokens[].services', 'qualification.tokens[].clientId', 'ketenlog.caFile'];

/** Every key path the schema accepts, arrays written as `[]` (e.g. `providers[].services[].id`). */
function schemaKeys(schema: z.ZodType, prefix = ''): string[] {
  if (schema instanceof z.ZodObject) {
    return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([key, child]) => {
      const here = prefix === '' ? key : `${prefix}.${key}`;
      return [here, ...schemaKeys(child, here)];
    });
  }
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault || schema instanceof z.ZodOptional) {
    return schemaKeys(schema.unwrap() as z.ZodType, prefix);
  }
  if (schema instanceof z.ZodPipe) return schemaKeys(schema.in as z.ZodType, prefix);
  if (schema instanceof z.ZodArray) return schemaKeys(schema.element as z.ZodType, `${prefix}[]`);
  if (schema instanceof z.ZodUnion) return [...new Set(schema.options.flatMap((o) => schemaKeys(o as z.ZodType, prefix)))];
  return [];
}

function yamlKeys(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => yamlKeys(item, `${prefix}[]`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, child]) => {
      const here = prefix === '' ? key : `${prefix}.${key}`;
      return [here, ...yamlKeys(child, here)];
    });
  }
  return [];
}

describe('config/gateway.yaml (the development defaults)', () => {
  it('loads with the loader and matches what `npm start` promises', async () => {
    const config = await loadConfig(devFile, {});
    expect(config.mode).toBe('development');
    expect(config.listeners.node).toEqual({ host: '127.0.0.1', port: 9443, publicUrl: 'https://localhost:9443' });
    expect(config.listeners.patient).toEqual({ host: '127.0.0.1', port: 8443, publicUrl: 'https://localhost:8443' });
    expect(config.operations).toMatchObject({ host: '127.0.0.1', port: 9090 });
    expect(config.tls.certFile).toBe(path.join(root, 'certs/dev/gateway.crt'));
    expect(config.tls.keyFile).toBe(path.join(root, 'certs/dev/gateway.key'));
    expect(config.tls.clientCaFile).toBe(path.join(root, 'certs/dev/ca.crt'));
    expect(config.tls.generateDevCertificates).toBe(true);
    expect(config.lists.whitelist).toMatchObject({ source: path.join(root, 'config/lists/dev/MedMij_Whitelist.xml'), refreshSeconds: 60 });
    expect(config.lists.gegevensdienstnamenlijst.source).toBe(path.join(root, 'config/lists/dev/MedMij_Gegevensdienstnamenlijst.xml'));
    expect(config.storage).toEqual({ kind: 'memory' });
    expect(config.providers.map((p) => [p.name, p.services.map((s) => [s.id, s.standard, s.fhirVersion, s.adapter])])).toEqual([
      ['demoziekenhuis', [['48', 'bgz-3', 'STU3', 'demo-ehr'], ['mp9-3.0', 'mp9-3.0', 'R4', 'demo-ehr'], ['52', 'vitals-2', 'STU3', 'demo-ehr'], ['63', 'immunization-2', 'R4', 'demo-ehr'], ['31', 'mp-9.0.7', 'STU3', 'demo-ehr'], ['54', 'allergy-3', 'STU3', 'demo-ehr'], ['50', 'ggz-2', 'STU3', 'demo-ehr'], ['61', 'bglz-3', 'STU3', 'demo-ehr']]],
    ]);
    expect(config.adapters).toEqual([{ id: 'demo-ehr', kind: 'demo' }]);
  });

  it('is refused when switched to production (memory store, dev certificates, demo adapter)', () => {
    const text = readFileSync(devFile, 'utf8').replace('mode: development', 'mode: production');
    let err: unknown;
    try {
      parseConfig(text, { file: devFile, env: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => i.path).sort()).toEqual(
      ['adapters[0].kind', 'oauth.cookieKeys', 'oauth.identityProvider.kind', 'storage.kind', 'tls.generateDevCertificates'],
    );
  });
});

describe('config/gateway.example.yaml (the documentation)', () => {
  it('loads in production mode with the environment it names', async () => {
    const config = await loadConfig(exampleFile, productionEnv);
    expect(config.mode).toBe('production');
    expect(config.storage).toEqual({
      kind: 'redis',
      url: productionEnv.REDIS_URL,
      tls: { caFile: '/certs/redis-ca.pem', certFile: '/certs/redis-client.crt', keyFile: '/certs/redis-client.key', serverName: 'redis.internal' },
      keyPrefix: 'dvza-prod:',
      connectTimeoutMs: 5000,
      commandTimeoutMs: 2000,
      requirePersistence: true,
    });
    expect(config.lists.whitelist.source).toBe('https://register.medmij.nl/MedMij_Whitelist.xml?api=2');
  });

  it('does not load without REDIS_URL, naming the variable', async () => {
    const { REDIS_URL: _unset, ...rest } = productionEnv;
    const result = await checkConfigFile(exampleFile, rest);
    expect(result).toEqual({ ok: false, errors: [expect.stringMatching(/:\d+:\d+: storage\.url: environment variable REDIS_URL is not set$/)] });
  });

  it('names every key the schema knows, and no key it does not', () => {
    const text = readFileSync(exampleFile, 'utf8');
    const documented = new Set(yamlKeys(parse(text)));
    for (const key of DOCUMENTED_IN_COMMENTS) {
      const name = key.split('.').at(-1) ?? key;
      if (new RegExp(`^#.*\\b${name}:`, 'm').test(text)) documented.add(key);
    }
    const known = schemaKeys(createConfigSchema(root));
    expect(known.length).toBeGreaterThan(40);
    expect(known.filter((k) => !documented.has(k))).toEqual([]);
    // An adapter block's own keys belong to its kind's schema (adapters/registry.ts), checked by check-deployment.
    const kindKeys = (k: string) => k.startsWith('adapters[].') && k !== 'adapters[].id' && k !== 'adapters[].kind';
    expect([...documented].filter((k) => !known.includes(k) && !kindKeys(k))).toEqual([]);
  });

  it('gives a comment to every key', () => {
    const lines = readFileSync(exampleFile, 'utf8').split('\n');
    // A key line is documented when a comment line sits directly above it or above its parent
    // block's first key, or the key repeats a sibling block documented earlier (same key name).
    const seen = new Set<string>();
    const undocumented: string[] = [];
    lines.forEach((line, i) => {
      const m = /^\s*(?:- )?([A-Za-z][A-Za-z0-9]*):/.exec(line);
      if (m?.[1] === undefined) return;
      const above = lines[i - 1]?.trim() ?? '';
      if (!above.startsWith('#') && !seen.has(m[1]) && !/^\s*- /.test(line)) undocumented.push(`${i + 1}: ${m[1]}`);
      seen.add(m[1]);
    });
    expect(undocumented).toEqual([]);
  });
});

describe('checkConfigFile', () => {
  it('summarises a valid file without echoing values', async () => {
    const result = await checkConfigFile(exampleFile, productionEnv);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.summary).toBe(`${exampleFile}: valid (mode production; storage redis; 1 provider(s) with 8 service(s); 2 adapter(s))`);
    expect(result.summary).not.toContain('example-password');
  });

  it('lists every problem as file:line:column: path: message', async () => {
    const file = path.join(root, 'test/fixtures/config/invalid-several-mistakes.yaml');
    const result = await checkConfigFile(file, {});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(4);
    expect(result.errors[3]).toBe(`${file}:22:57: providers[0].services[0].adapter: no adapter with id "nope"`);
  });
});

describe('createStore takes the storage section as loaded', () => {
  it('builds a MemoryStore from the development defaults', async () => {
    const config = await loadConfig(devFile, {});
    const store = await createStore(config.storage, createSilentLogger());
    try {
      expect(store).toBeInstanceOf(MemoryStore);
    } finally {
      await store.close();
    }
  });
});
