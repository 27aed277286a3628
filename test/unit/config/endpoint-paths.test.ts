import { ConfigError, parseConfig, serviceEndpoints } from '../../../gateway/config/index.js';
import { createServiceDirectory, resolveBase, type ProviderConfig } from '../../../gateway/fhir/resolve-base.js';
import { FhirError } from '../../../gateway/fhir/outcome.js';
import { formatZalEntries, zalEntriesFor } from '../../../gateway/zal-command.js';
import { parseZalText } from '../../helpers/zal.js';

const LISTS = ['whitelist', 'oauthClientList', 'zorgaanbiederslijst', 'gegevensdienstnamenlijst'].map((k) => `  ${k}: { source: l/${k}.xml }\n`).join('');

function configWith(extra: string, services = '["48", "mp9-3.0"]') {
  const serviceYaml = JSON.parse(services.replace(/'/g, '"')) as string[];
  const text =
    `tls: { certFile: a.crt, keyFile: b.key, clientCaFile: ca.crt }\nlists:\n${LISTS}` +
    'listeners:\n  node: { publicUrl: "https://node.example.nl:8443" }\n  patient: { publicUrl: "https://patient.example.nl" }\n' +
    `adapters:\n  - { id: ehr, kind: demo }\nproviders:\n  - name: umcvoorbeeld\n    displayName: UMC\n    supportPhone: "1"\n    services:\n` +
    serviceYaml.map((id) => `      - { id: "${id}", standard: bgz-3, fhirVersion: STU3, adapter: ehr }\n`).join('') +
    extra;
  return parseConfig(text, { file: '/srv/gw/gateway.yaml', env: {} });
}

function issuesOf(extra: string): string[] {
  try {
    configWith(extra);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${String(i.path)}: ${i.message}`);
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const PROVIDERS: ProviderConfig[] = [
  {
    name: 'umcvoorbeeld',
    displayName: 'UMC',
    services: [
      { id: '48', standard: 'bgz-3', fhirVersion: 'STU3', adapter: 'ehr', timeoutMs: 1000 },
      { id: '51', standard: 'pdfa-3', fhirVersion: 'STU3', adapter: 'ehr', timeoutMs: 1000 },
    ],
  },
];

describe('endpoints: the ZAL entries come from the configured path templates', () => {
  it('defaults to a FHIR base ending in /fhir and the fixed OAuth paths', () => {
    const [entry] = zalEntriesFor(configWith(''));
    expect(entry).toEqual({
      name: 'umcvoorbeeld@medmij',
      services: ['48', 'mp9-3.0'].map((id) => ({
        id,
        authorizationEndpointUri: 'https://patient.example.nl/oauth/authorize',
        tokenEndpointUri: 'https://node.example.nl:8443/oauth/token',
        resourceEndpointUri: `https://node.example.nl:8443/umcvoorbeeld/${id}/fhir`,
      })),
    });
  });

  it('fills {provider} and {service} in all three templates, and the printed text reads back the same', () => {
    const config = configWith('endpoints:\n  resourcePath: /medmij/{provider}/{service}\n  tokenPath: /{provider}/token\n  authorizationPath: /{provider}/{service}/authorize\n');
    const entries = zalEntriesFor(config);
    expect(entries[0]?.services[1]).toEqual({
      id: 'mp9-3.0',
      authorizationEndpointUri: 'https://patient.example.nl/umcvoorbeeld/mp9-3.0/authorize',
      tokenEndpointUri: 'https://node.example.nl:8443/umcvoorbeeld/token',
      resourceEndpointUri: 'https://node.example.nl:8443/medmij/umcvoorbeeld/mp9-3.0',
    });
    expect(parseZalText(formatZalEntries(entries))).toEqual(entries);
    expect(serviceEndpoints({ ...config, patientPublicUrl: config.listeners.patient.publicUrl, nodePublicUrl: config.listeners.node.publicUrl }).map((e) => e.tokenPath)).toEqual([
      '/umcvoorbeeld/token',
      '/umcvoorbeeld/token',
    ]);
  });

  it('refuses templates that would put two services on one base, nest bases, or collide with the token path', () => {
    expect(issuesOf('endpoints: { resourcePath: "/{provider}/fhir" }\n').join('\n')).toMatch(/endpoints\.resourcePath: services umcvoorbeeld\/48 and umcvoorbeeld\/mp9-3.0 would share/);
    expect(issuesOf('endpoints: { resourcePath: "/x/{service}", tokenPath: /x/48 }\n').join('\n')).toMatch(/endpoints\.tokenPath: the token endpoint \/x\/48 overlaps/);
    expect(issuesOf('endpoints: { resourcePath: "/{provider}/Patient" }\n').join('\n')).toMatch(/endpoints\.resourcePath/);
    expect(issuesOf('endpoints: { resourcePath: "fhir/{service}" }\n').join('\n')).toMatch(/endpoints\.resourcePath: a path such as/);
    expect(issuesOf('endpoints: { resourcePath: "/a/../{service}" }\n').join('\n')).toMatch(/endpoints\.resourcePath: no "\." or "\.\." segments/);
    expect(issuesOf('endpoints: { authorizationPath: /interaction/x }\n').join('\n')).toMatch(/endpoints\.authorizationPath: must not lie under/);
    expect(issuesOf('endpoints: { resourcePath: "/{provider}/{service}?x=1" }\n')).toHaveLength(1);
  });
});

describe('resolveBase: the URL path a PGO sends → base + rest', () => {
  const at = (template: string, path: string) => {
    const r = resolveBase(createServiceDirectory(PROVIDERS, 'https://node.example.nl', template), path);
    return { base: r.service.url, rest: r.rest };
  };
  const notFound = (template: string, path: string) => {
    try {
      resolveBase(createServiceDirectory(PROVIDERS, 'https://node.example.nl', template), path);
    } catch (e) {
      return e instanceof FhirError ? e.status : e;
    }
    return 'resolved';
  };

  it('on a base ending in /fhir, takes {base}/{Type} and does not double /fhir', () => {
    const t = '/{provider}/{service}/fhir';
    expect(at(t, '/umcvoorbeeld/48/fhir/Patient')).toEqual({ base: 'https://node.example.nl/umcvoorbeeld/48/fhir', rest: ['Patient'] });
    expect(at(t, '/umcvoorbeeld/51/fhir/Binary/doc-1')).toEqual({ base: 'https://node.example.nl/umcvoorbeeld/51/fhir', rest: ['Binary', 'doc-1'] });
    expect(at(t, '/umcvoorbeeld/48/fhir/Observation/$lastn/')).toEqual({ base: 'https://node.example.nl/umcvoorbeeld/48/fhir', rest: ['Observation', '$lastn'] });
    expect(notFound(t, '/umcvoorbeeld/48/fhir/fhir/Patient')).toBe('resolved'); // reaches the request parser, which refuses it (400)
    expect(notFound(t, '/umcvoorbeeld/48/Patient')).toBe(404);
  });

  it('on a plain base, takes both {base}/{Type} and the government PGO\'s {base}/fhir/{Type}', () => {
    const t = '/fhir/{provider}/{service}';
    expect(at(t, '/fhir/umcvoorbeeld/48/Patient')).toEqual({ base: 'https://node.example.nl/fhir/umcvoorbeeld/48', rest: ['Patient'] });
    expect(at(t, '/fhir/umcvoorbeeld/48/fhir/Patient')).toEqual({ base: 'https://node.example.nl/fhir/umcvoorbeeld/48', rest: ['Patient'] });
    expect(at(t, '/fhir/umcvoorbeeld/51/fhir/Binary/doc-1')).toEqual({ base: 'https://node.example.nl/fhir/umcvoorbeeld/51', rest: ['Binary', 'doc-1'] });
  });

  it('answers 404 (never 400) for any path that is no configured base', () => {
    const t = '/{provider}/{service}/fhir';
    for (const path of ['/', '/umcvoorbeeld', '/umcvoorbeeld/49/fhir/Patient', '/UMCVOORBEELD/48/fhir/Patient', '/fhir/umcvoorbeeld/48/Patient', '//umcvoorbeeld/48/fhir', '/umcvoorbeeld/48/fhirx/Patient', '/%75mcvoorbeeld/48/fhir/Patient']) {
      expect([path, notFound(t, path)]).toEqual([path, 404]);
    }
  });
});
