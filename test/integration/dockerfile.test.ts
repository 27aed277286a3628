import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { loggingSection } from '../../gateway/config/sections/logging.js';
import { healthUrlOf } from '../../gateway/health-command.js';
import { fromProjectRoot } from '../../gateway/project-root.js';
import { ensureBuilt } from '../helpers/built-dist.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * The image cannot be built here (no container engine), so what can be read from the Dockerfile
 * is checked statically (parsed with dockerfile-ast, not by regexes), and its HEALTHCHECK command
 * is run as the image would run it, against a real started gateway.
 */
const text = await readFile(fromProjectRoot('Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(text);
const instructions = dockerfile.getInstructions();
const stages = dockerfile.getFROMs();
const runtimeStart = stages[stages.length - 1]!.getRange().start.line;
const runtime = instructions.filter((i) => i.getRange().start.line >= runtimeStart);
const pkg = JSON.parse(await readFile(fromProjectRoot('package.json'), 'utf8')) as { license: string; version: string; engines: { node: string } };

const ofKind = (list: readonly Instruction[], keyword: string) => list.filter((i) => i.getKeyword() === keyword);
/** The default of each ARG declared before the first FROM (what FROM ${X} resolves to). */
const initialArgs = new Map(
  dockerfile.getInitialARGs().flatMap((arg) => {
    const [name, ...value] = arg.getArgumentsContent()?.split('=') ?? [];
    return name ? [[name, value.join('=')] as const] : [];
  }),
);
const resolve = (s: string) => s.replace(/\$\{([A-Z_]+)\}|\$([A-Z_]+)/g, (_m, a: string | undefined, b: string | undefined) => initialArgs.get((a ?? b)!) ?? '');

/** An exec-form instruction's argv (JSON array after the flags). */
function execForm(instruction: Instruction, after = ''): string[] {
  const content = instruction.getArgumentsContent() ?? '';
  const json = content.slice(content.indexOf(after) + after.length).trim();
  return JSON.parse(json) as string[];
}

describe('the Dockerfile, read statically', () => {
  test('every base image is pinned to a patch release or a digest, on a Node line the engines field allows', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const from of stages) {
      const image = resolve(from.getImage() ?? '');
      expect(image).toMatch(/^node:(\d+)\.\d+\.\d+-[a-z0-9-]+(@sha256:[0-9a-f]{64})?$|@sha256:[0-9a-f]{64}$/);
      const major = Number(/^node:(\d+)\./.exec(image)?.[1]);
      // oidc-provider 9 wants >= 22; engines names the upper bound.
      expect(major).toBeGreaterThanOrEqual(22);
      expect(major).toBeLessThan(Number(/<(\d+)/.exec(pkg.engines.node)?.[1]));
    }
  });

  test('the runtime runs as a numeric, non-root uid:gid (what Kubernetes runAsNonRoot can verify)', () => {
    const users = ofKind(runtime, 'USER');
    expect(users).toHaveLength(1);
    const [uid, gid] = (users[0]!.getArgumentsContent() ?? '').split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(gid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    // USER comes after every RUN of the runtime stage, so nothing the gateway runs is root.
    const userLine = users[0]!.getRange().start.line;
    expect(ofKind(runtime, 'RUN').every((r) => r.getRange().start.line < userLine)).toBe(true);
  });

  test('the audit folder is a declared volume owned by that uid; the default audit sink is stderr', () => {
    const [uid, gid] = (ofKind(runtime, 'USER')[0]!.getArgumentsContent() ?? '').split(':');
    const volumes = ofKind(runtime, 'VOLUME').flatMap((v) => execForm(v));
    expect(volumes).toContain('/var/log/medmij-gateway');
    const run = ofKind(runtime, 'RUN').map((r) => r.getArgumentsContent() ?? '').join('\n');
    expect(run).toContain(`chown ${uid}:${gid} /var/log/medmij-gateway`);
    // Without a logging.audit key the audit trail goes to stderr (the container log), not a file.
    expect(loggingSection().parse(undefined).audit).toBe('stderr');
  });

  test('the HEALTHCHECK runs the health command (follows the config), not a fixed address', () => {
    const checks = ofKind(runtime, 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    const argv = execForm(checks[0]!, 'CMD');
    expect(argv).toEqual(['node', 'dist/gateway/cli.js', 'health']);
    expect(checks[0]!.getArgumentsContent()).not.toMatch(/\d+\.\d+\.\d+\.\d+|:\d{2,5}\b/);
    expect(execForm(ofKind(runtime, 'CMD')[0]!)).toEqual(['node', 'dist/gateway/main.js']);
  });

  test('OCI labels: title, description, version, revision, created, and the licence package.json names', () => {
    const labels = new Map<string, string>();
    for (const label of ofKind(runtime, 'LABEL')) {
      for (const m of (label.getArgumentsContent() ?? '').matchAll(/([a-z0-9.-]+)="([^"]*)"/g)) labels.set(m[1]!, m[2]!);
    }
    for (const key of ['title', 'description', 'version', 'revision', 'created', 'licenses']) {
      expect(labels.get(`org.opencontainers.image.${key}`)).toBeTruthy();
    }
    expect(labels.get('org.opencontainers.image.licenses')).toBe(pkg.license);
    const version = ofKind(runtime, 'ARG').map((a) => a.getArgumentsContent() ?? '').find((a) => a.startsWith('VERSION='));
    expect(version).toBe(`VERSION=${pkg.version}`);
  });

  test('no certificates, keys or operator config are baked in; the licence text ships', () => {
    const copied = ofKind(instructions, 'COPY').flatMap((c) => (c.getArgumentsContent() ?? '').split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1));
    expect(copied.filter((src) => /^certs\b|\.pem$|\.key$|\.crt$|^config\/?$|gateway\.ya?ml$/.test(src))).toEqual([]);
    expect(copied).toContain('LICENSE');
  });
});

/** A loopback port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('the HEALTHCHECK command against a real gateway', () => {
  let gw: TestGateway | undefined;
  let configFile: string;
  let configDir: string | undefined;
  beforeAll(async () => {
    await ensureBuilt();
    gw = await startTestGateway();
    // The test config binds operations to port 0; the copy names the port the OS gave it, as a
    // deployer's file names a fixed one.
    const port = new URL(gw.urls.operations).port;
    const yaml = (await readFile(path.join(gw.dir, 'gateway.yaml'), 'utf8')).replace('operations: { host: 127.0.0.1, port: 0 }', `operations: { host: 127.0.0.1, port: ${port} }`);
    expect(yaml).toContain(`port: ${port} }`);
    configDir = await mkdtemp(path.join(os.tmpdir(), 'medmij-health-'));
    configFile = path.join(configDir, 'deployed.yaml');
    await writeFile(configFile, yaml);
  }, 240_000);
  afterAll(async () => {
    await gw?.close();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  function healthcheck(env: Record<string, string>): Promise<{ code: number | null; err: string }> {
    const argv = execForm(ofKind(runtime, 'HEALTHCHECK')[0]!, 'CMD');
    const base = { ...process.env };
    delete base['MEDMIJ_GATEWAY_HEALTH_URL'];
    return new Promise((resolve) => {
      const child = spawn(argv[0] === 'node' ? process.execPath : argv[0]!, argv.slice(1), { cwd: fromProjectRoot(), env: { ...base, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('exit', (code) => resolve({ code, err }));
    });
  }

  test('exit 0 with the address from the config the image points at (MEDMIJ_GATEWAY_CONFIG)', async () => {
    const result = await healthcheck({ MEDMIJ_GATEWAY_CONFIG: configFile });
    expect(result).toEqual({ code: 0, err: expect.not.stringContaining('at ') });
  }, 30_000);

  test('MEDMIJ_GATEWAY_HEALTH_URL overrides the config; a wrong address fails with one line, no stack', async () => {
    expect(await healthcheck({ MEDMIJ_GATEWAY_CONFIG: '/nonexistent.yaml', MEDMIJ_GATEWAY_HEALTH_URL: `${gw!.urls.operations}/health` })).toMatchObject({ code: 0 });
    const closed = await closedPort();
    const wrong = await healthcheck({ MEDMIJ_GATEWAY_HEALTH_URL: `http://127.0.0.1:${closed}/health` });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toBe(`medmij-gateway health: http://127.0.0.1:${closed}/health did not answer (ECONNREFUSED)\n`);
  }, 30_000);

  test('a wildcard bind is probed on loopback', () => {
    const of = (host: string) => healthUrlOf({ operations: { host, port: 9090, metrics: true } } as Parameters<typeof healthUrlOf>[0]);
    expect(of('0.0.0.0')).toBe('http://127.0.0.1:9090/health');
    expect(of('::')).toBe('http://[::1]:9090/health');
    expect(of('10.1.2.3')).toBe('http://10.1.2.3:9090/health');
  });

  test('exit 1 once the gateway has stopped', async () => {
    await gw!.close();
    gw = undefined;
    const result = await healthcheck({ MEDMIJ_GATEWAY_CONFIG: configFile });
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/did not answer \(ECONNREFUSED\)/);
  }, 30_000);
});
