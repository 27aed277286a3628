import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../gateway/config/index.js';
import { createGateway, type Gateway, type GatewayAddresses } from '../../gateway/gateway.js';
import { MemoryAuditLog } from '../../gateway/observability/audit.js';
import { createSilentLogger, type Logger } from '../../gateway/observability/logger.js';
import { devPkiFiles, type DevPkiFiles } from '../../gateway/pki/index.js';
import type { PgoTarget } from '../../gateway/pgo-client/index.js';
import { fromProjectRoot } from '../../gateway/project-root.js';

export interface TestGateway {
  readonly gateway: Gateway;
  readonly urls: GatewayAddresses;
  /** The development PKI the gateway generated for this run (in a temp folder). */
  readonly pki: DevPkiFiles;
  readonly audit: MemoryAuditLog;
  readonly dir: string;
  /** Where this gateway reads its MedMij lists from (copies of config/lists/dev). */
  readonly listsDir: string;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  /** YAML for the `storage:` section; memory by default. */
  readonly storageYaml?: string;
  /** Extra top-level YAML appended to the config (e.g. `oauth:` or `qualification:`). */
  readonly extraYaml?: string;
  readonly mode?: 'development' | 'test';
  /** Replaces the `services:` of the demo provider (YAML list items indented by six spaces). */
  readonly servicesYaml?: string;
  /** Replaces the `adapters:` list (YAML list items indented by two spaces). */
  readonly adaptersYaml?: string;
  /** Extra keys for the `tls:` section, as YAML lines indented by two spaces (e.g. trustedProxy). */
  readonly tlsYaml?: string;
  /** Folder whose PKI to reuse (two gateways sharing one CA); a fresh one when absent. */
  readonly certsDir?: string;
  /** The application logger; silent by default. Pass createLogger({ destination }) to read the log. */
  readonly log?: Logger;
  /** YAML for the `logging:` section; silent by default (the bench runs the gateway at info level). */
  readonly loggingYaml?: string;
  /**
   * YAML for the `rateLimits:` section. Off by default: the suite runs hundreds of flows from
   * 127.0.0.1 within a minute, past any production budget; rate-limits.test.ts turns them on.
   */
  readonly rateLimitsYaml?: string;
  /**
   * YAML for the `endpoints:` section. Default: the FHIR bases at `/fhir/{provider}/{service}`
   * (the plain convention, not the shipped default), so tests can write their paths literally.
   */
  readonly endpointsYaml?: string;
  /** Replaces `tls.clientCaFile` (default: the generated development CA). */
  readonly clientCaFile?: string;
}

/** Where the tests' FHIR bases are unless a test says otherwise (endpointsYaml). */
export const TEST_RESOURCE_PATH = '/fhir/{provider}/{service}';

const DEMO_SERVICES = `      - { id: "48", standard: bgz-3, fhirVersion: STU3, adapter: demo-ehr }
      - { id: mp9-3.0, standard: mp9-3.0, fhirVersion: R4, adapter: demo-ehr }`;

/**
 * The whole gateway as `npm start` builds it, on ports picked by the OS: real TLS listeners with
 * a freshly generated development PKI, the development lists, the demo EHR. Audit records are
 * kept in memory so tests can assert on them.
 */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'medmij-gw-'));
  const certsDir = options.certsDir ?? path.join(dir, 'certs');
  // A copy of the development lists, so a test can publish a new version of one (listsDir).
  const lists = path.join(dir, 'lists');
  await cp(fromProjectRoot('config', 'lists', 'dev'), lists, { recursive: true });
  const yaml = testGatewayYaml({ certsDir, listsDir: lists }, options);
  const file = path.join(dir, 'gateway.yaml');
  await writeFile(file, yaml);
  const config = parseConfig(yaml, { file, env: {} });
  const audit = new MemoryAuditLog();
  const gateway = await createGateway(config, { configDir: dir, log: options.log ?? createSilentLogger(), audit });
  const urls = await gateway.listen();
  return {
    gateway,
    urls,
    pki: devPkiFiles(certsDir),
    audit,
    dir,
    listsDir: lists,
    async close() {
      await gateway.close(1000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The config startTestGateway runs on, for a gateway in this process or (the bench) in a process
 * of its own started as `npm start` would be: ports picked by the OS, the development PKI in
 * `certsDir` (generated on first start), the lists from `listsDir`.
 */
export function testGatewayYaml(where: { readonly certsDir: string; readonly listsDir: string }, options: TestGatewayOptions = {}): string {
  const { certsDir, listsDir: lists } = where;
  return `
mode: ${options.mode ?? 'development'}
listeners:
  node: { host: 127.0.0.1, port: 0, publicUrl: "https://localhost:9443" }
  patient: { host: 127.0.0.1, port: 0, publicUrl: "https://localhost:8443" }
operations: { host: 127.0.0.1, port: 0 }
tls:
  certFile: ${certsDir}/gateway.crt
  keyFile: ${certsDir}/gateway.key
  clientCaFile: ${options.clientCaFile ?? `${certsDir}/ca.crt`}
  generateDevCertificates: true
  watchFiles: false
${options.tlsYaml ?? ''}
lists:
  whitelist: { source: ${lists}/MedMij_Whitelist.xml }
  oauthClientList: { source: ${lists}/MedMij_OAuthclientlist.xml }
  zorgaanbiederslijst: { source: ${lists}/MedMij_Zorgaanbiederslijst.xml }
  gegevensdienstnamenlijst: { source: ${lists}/MedMij_Gegevensdienstnamenlijst.xml }
storage: ${options.storageYaml ?? '{ kind: memory }'}
rateLimits: ${options.rateLimitsYaml ?? '{ enabled: false }'}
logging: ${options.loggingYaml ?? '{ level: silent }'}
providers:
  - name: demoziekenhuis
    displayName: Demo Ziekenhuis
    supportPhone: "+31 20 555 0100"
    services:
${options.servicesYaml ?? DEMO_SERVICES}
endpoints: ${options.endpointsYaml ?? `{ resourcePath: "${TEST_RESOURCE_PATH}" }`}
adapters:
${options.adaptersYaml ?? '  - { id: demo-ehr, kind: demo }'}
${options.extraYaml ?? ''}
`;
}

/** Where and as whom the listed development PGO (`pgo.listed.test`) talks to a test gateway. */
export async function listedPgoTarget(gw: TestGateway): Promise<PgoTarget> {
  const [ca, clientCert, clientKey] = await Promise.all([gw.pki.caCert, gw.pki.pgoListedCert, gw.pki.pgoListedKey].map((file) => readFile(file, 'utf8')));
  return { patientUrl: gw.urls.patient, nodeUrl: gw.urls.node, ca: ca!, clientCert: clientCert!, clientKey: clientKey! };
}
