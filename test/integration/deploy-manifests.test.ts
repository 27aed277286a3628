import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import YAML from 'yaml';
import { parseConfig } from '../../gateway/config/index.js';
import { fromProjectRoot } from '../../gateway/project-root.js';
import { missingBinary } from '../helpers/ha-processes.js';

/**
 * The deployment files: every kustomize overlay rendered by `kubectl kustomize` and each object
 * checked against the Kubernetes schemas (kubernetes-models validates what it constructs), then
 * the facts the gateway relies on; the laptop compose file read and its HAProxy config checked
 * by HAProxy itself.
 */
const K8S = fromProjectRoot('config', 'deploy', 'kubernetes');
const COMPOSE = fromProjectRoot('config', 'deploy', 'compose');
const FAKE_ENV = { OAUTH_COOKIE_KEY: 'k'.repeat(40), OIDC_CLIENT_SECRET: 'secret', EHR_FHIR_TOKEN: 'token', REDIS_PASSWORD: 'password' };

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: any; data?: Record<string, string> };

/** One schema-checked model class per kind the manifests may contain; anything else is an error. */
const MODELS: Record<string, new (o: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

const kubectlMissing = missingBinary(['kubectl']);
if (kubectlMissing) console.warn('Skipping the kustomize rendering tests: kubectl is not installed (Debian: apt-get install kubernetes-client)');
const describeK8s = kubectlMissing ? describe.skip : describe;

const overlays = (await readdir(path.join(K8S, 'overlays'))).sort();

function render(dir: string): Obj[] {
  const out = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${out.stderr}`);
  return YAML.parseAllDocuments(out.stdout).map((d) => d.toJS() as Obj).filter((o) => o !== null);
}

const imageUser = (() => {
  const text = spawnSync('cat', [fromProjectRoot('Dockerfile')], { encoding: 'utf8' }).stdout;
  const users = DockerfileParser.parse(text).getInstructions().filter((i) => i.getKeyword() === 'USER');
  return (users.at(-1)?.getArgumentsContent() ?? '').split(':').map(Number);
})();

describeK8s.each([['base'], ...overlays.map((o) => [`overlays/${o}`])])('kubectl kustomize %s', (dir) => {
  const objects = render(path.join(K8S, dir));
  const one = (kind: string) => {
    const found = objects.filter((o) => o.kind === kind);
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  test('every object is valid against the Kubernetes schema of its kind', () => {
    expect(objects.length).toBeGreaterThanOrEqual(7);
    for (const o of objects) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      expect({ kind: `${o.apiVersion}/${o.kind}`, known: Model !== undefined }).toEqual({ kind: `${o.apiVersion}/${o.kind}`, known: true });
      expect(() => new Model!(o).validate()).not.toThrow();
    }
    // One namespace per overlay for all of its objects.
    expect(new Set(objects.map((o) => o.metadata.namespace)).size).toBe(1);
  });

  test('a Deployment of at least two non-root replicas with /health and /ready probes and mounted config, certificates and keys', () => {
    const d = one('Deployment');
    expect(d.spec.replicas).toBeGreaterThanOrEqual(2);
    const pod = d.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: imageUser[0], runAsGroup: imageUser[1] });
    const c = pod.containers[0];
    expect(c.livenessProbe.httpGet.path).toBe('/health');
    expect(c.readinessProbe.httpGet.path).toBe('/ready');
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    const volumes = Object.fromEntries(pod.volumes.map((v: any) => [v.name, v]));
    const cm = one('ConfigMap');
    expect(volumes.config.configMap.name).toBe(cm.metadata.name);
    expect(volumes.tls.secret.secretName).toBe('medmij-gateway-tls');
    expect(c.envFrom[0].secretRef.name).toBe('medmij-gateway-env');
    const mounts = Object.fromEntries(c.volumeMounts.map((m: any) => [m.name, m.mountPath]));
    const configFile = c.env.find((e: any) => e.name === 'MEDMIJ_GATEWAY_CONFIG').value;
    expect(path.dirname(configFile)).toBe(mounts.config);
    expect(c.args.at(-1)).toBe(configFile);
  });

  test('the mounted config is a valid production config, its files come from the mounted Secret, its env from the env Secret', () => {
    const cm = one('ConfigMap');
    const text = cm.data!['gateway.yaml']!;
    const c = one('Deployment').spec.template.spec.containers[0];
    const mounts = Object.fromEntries(c.volumeMounts.map((m: any) => [m.name, m.mountPath]));
    const config = parseConfig(text, { file: path.join(mounts.config, 'gateway.yaml'), env: FAKE_ENV });
    expect(config.mode).toBe('production');
    expect(config.storage).toMatchObject({ kind: 'redis', sentinel: { masterName: expect.any(String) } });
    expect(config.logging.audit).toBe('stderr');
    // Probes reach the operations listener on the pod address.
    expect(config.operations.host).toBe('0.0.0.0');
    const ports = Object.fromEntries(c.ports.map((p: any) => [p.name, p.containerPort]));
    expect([ports.operations, ports['node-tls'], ports['patient-tls']]).toEqual([config.operations.port, config.listeners.node.port, config.listeners.patient.port]);
    // Each certificate/key file lies in the Secret mount and is named in the documented `kubectl create secret`.
    const howTo = spawnSync('cat', [path.join(K8S, 'base', 'kustomization.yaml')], { encoding: 'utf8' }).stdout;
    const files = [...text.matchAll(/\/etc\/medmij-gateway\/tls\/([A-Za-z0-9._-]+)/g)].map((m) => m[1]!);
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) expect(howTo).toContain(`--from-file=${f}`);
    for (const name of [...text.matchAll(/\$\{env:([A-Z0-9_]+)\}/g)].map((m) => m[1]!)) expect(howTo).toContain(`--from-literal=${name}=`);
  });

  test('PodDisruptionBudget, CPU autoscaler and NetworkPolicy select the gateway pods', () => {
    const d = one('Deployment');
    const podLabels = d.spec.template.metadata.labels;
    const selects = (sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => podLabels[k] === v);
    const pdb = one('PodDisruptionBudget');
    expect(selects(pdb.spec.selector.matchLabels)).toBe(true);
    expect(pdb.spec.minAvailable).toBeGreaterThanOrEqual(1);
    expect(pdb.spec.minAvailable).toBeLessThan(d.spec.replicas);
    const hpa = one('HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name });
    expect(hpa.spec.metrics[0].resource.name).toBe('cpu');
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.minReplicas).toBeLessThanOrEqual(d.spec.replicas);
    const np = one('NetworkPolicy');
    expect(selects(np.spec.podSelector.matchLabels)).toBe(true);
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
  });

  test('the public Service is L4 TCP to the TLS ports (TLS passes through to the pods); operations stay inside', () => {
    const services = objects.filter((o) => o.kind === 'Service');
    const pub = services.find((s) => s.spec.type === 'LoadBalancer')!;
    expect(pub.spec.externalTrafficPolicy).toBe('Local');
    expect(pub.spec.ports.map((p: any) => [p.protocol, p.targetPort]).sort()).toEqual([['TCP', 'node-tls'], ['TCP', 'patient-tls']]);
    const ops = services.find((s) => s.spec.ports.some((p: any) => p.targetPort === 'operations'))!;
    expect(ops.spec.type).toBe('ClusterIP');
    expect(objects.some((o) => o.kind === 'Ingress')).toBe(false);
  });
});

describe('config/deploy/compose (a laptop)', () => {
  const read = async (f: string) => readFile(path.join(COMPOSE, f), 'utf8');

  test('two gateway replicas of one image and config behind HAProxy, Redis with AOF persistence, the demo EHR', async () => {
    const compose = YAML.parse(await read('compose.yaml'), { merge: true }) as Record<string, any>;
    const gateways = Object.keys(compose.services).filter((s) => s.startsWith('gateway-'));
    expect(gateways).toHaveLength(2);
    const [a, b] = gateways.map((g) => compose.services[g]);
    expect(a).toEqual(b);
    expect(a.volumes).toContain('./gateway.yaml:/etc/medmij-gateway/config/gateway.yaml:ro');
    expect(compose.services.redis.command.join(' ')).toContain('--appendonly yes');
    expect(compose.services.redis.volumes[0]).toMatch(/^redis-data:\/data$/);
    const config = parseConfig(await read('gateway.yaml'), { file: '/etc/medmij-gateway/config/gateway.yaml', env: FAKE_ENV });
    expect(config.storage).toMatchObject({ kind: 'redis', url: 'redis://redis:6379' });
    expect(config.adapters.map((x) => x.kind)).toEqual(['demo']);
    expect(config.oauth.cookieKeys).toHaveLength(1);
    const haproxy = compose.configs.haproxy.content as string;
    expect(haproxy).toMatch(/^\s+mode tcp$/m);
    for (const g of gateways) {
      for (const port of [config.listeners.node.port, config.listeners.patient.port]) expect(haproxy).toContain(`server ${g} ${g}:${port} check port ${config.operations.port}`);
    }
  });

  const haproxyMissing = missingBinary(['haproxy']);
  (haproxyMissing ? test.skip : test)('HAProxy accepts its configuration (haproxy -c)', async () => {
    const compose = YAML.parse(await read('compose.yaml'), { merge: true }) as Record<string, any>;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'medmij-compose-'));
    try {
      const file = path.join(dir, 'haproxy.cfg');
      await writeFile(file, compose.configs.haproxy.content as string);
      const check = spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' });
      expect({ status: check.status, out: check.status === 0 ? '' : check.stdout + check.stderr }).toEqual({ status: 0, out: '' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  if (haproxyMissing) console.warn('Skipping haproxy -c of the compose HAProxy config: haproxy is not installed');
});
