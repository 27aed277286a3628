import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { AdapterConfigError, parseAdapterBlocks } from '../adapters/registry.js';
import type { Adapter, SearchParam } from '../adapters/types.js';
import type { GatewayConfig } from './config/index.js';
import { catalogueFile, loadCatalogue, standardsFolder, type QueryCatalogue, type QueryTemplate } from './fhir/catalogue/index.js';
import { executeSearch, parseSearchRequest, SearchParamError } from './fhir/search/index.js';
import { checkListFile, LIST_KINDS } from './lists/index.js';
import { createSilentLogger } from './observability/index.js';
import { devPkiFiles } from './pki/index.js';
import { ErrorCodes, GatewayError } from './errors.js';

export type DeploymentCheck = { ok: true; summary: string } | { ok: false; errors: string[] };

type Report = (where: string, message: string) => void;

/** Start refused: the deployment validator found problems (each `config.path: message`). */
export class DeploymentError extends GatewayError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(ErrorCodes.CONFIG_INVALID, `the deployment is not valid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'DeploymentError';
    this.problems = problems;
  }
}

/**
 * The one deployment validator, used by `medmij-gateway check-config` (second stage) and by start
 * (createGateway): everything about a schema-valid config that can be checked without connecting
 * anywhere, so a deployment that would fail at start (or at its first request: a catalogue the
 * engine refuses, a service on an adapter of the other FHIR version) is caught before it serves.
 * One line per problem, named by its config path. Lines name keys, standard keys and file paths,
 * never secrets (house rule 6). `lists: false` (start) leaves the MedMij list files to the list
 * manager, which keeps a last-good copy and fails closed on its own terms.
 */
export async function checkDeployment(config: GatewayConfig, configDir: string, options: { readonly lists?: boolean } = {}): Promise<DeploymentCheck> {
  const errors: string[] = [];
  const report: Report = (where, message) => errors.push(`${where}: ${message}`);

  const catalogues = await checkServices(config, report);
  const adapterTypes = checkAdapterBlocks(config, report);
  await checkAdapterFiles(config, configDir, report);
  await checkConfigFiles(config, report);
  if (options.lists !== false) await checkListFiles(config, report);
  checkQualificationTokens(config, report);

  if (errors.length > 0) return { ok: false, errors };
  const services = config.providers.flatMap((p) => p.services.map((s) => `${p.name}/${s.id} ${s.standard}`));
  const notes = uncoveredTypes(config, catalogues, adapterTypes);
  const summary =
    `deployment check passed: ${catalogues.size} query catalogue(s), ${config.adapters.length} adapter block(s), ` +
    `services ${services.join(', ') || '(none)'}` +
    notes.map((n) => `\n  note: ${n}`).join('');
  return { ok: true, summary };
}

/** Every service's standard has a catalogue that loads, fits the service's FHIR version and the engine. */
async function checkServices(config: GatewayConfig, report: Report): Promise<Map<string, QueryCatalogue>> {
  const loaded = new Map<string, QueryCatalogue | string>();
  const builtIn = path.join(path.basename(path.dirname(standardsFolder)), path.basename(standardsFolder));
  const own = config.standards.folder;
  if (own !== undefined) await requireReadable('standards.folder', own, 'directory', report);
  const folder = own === undefined ? builtIn : `${own} or the built-in ${builtIn}`;
  const engineChecked = new Set<string>();
  for (const [i, provider] of config.providers.entries()) {
    for (const [j, service] of provider.services.entries()) {
      const at = `providers[${i}].services[${j}]`;
      if (!loaded.has(service.standard)) loaded.set(service.standard, await tryLoad(service.standard, folder, own));
      const catalogue = loaded.get(service.standard);
      if (typeof catalogue === 'string') {
        report(`${at}.standard`, catalogue);
        continue;
      }
      if (catalogue === undefined) continue;
      if (catalogue.fhirVersion !== service.fhirVersion) {
        report(`${at}.fhirVersion`, `${service.fhirVersion} does not match query catalogue "${service.standard}" (${catalogue.fhirVersion})`);
      } else if (!engineChecked.has(service.standard)) {
        engineChecked.add(service.standard);
        for (const problem of await engineProblems(catalogue)) report(`${at}.standard`, problem);
      }
      const block = config.adapters.find((a) => a.id === service.adapter);
      const adapterVersion = block?.['fhirVersion'];
      // An sql, xml or fhir adapter serves one FHIR version and refuses the other at request time.
      if (typeof adapterVersion === 'string' && adapterVersion !== service.fhirVersion) {
        report(`${at}.fhirVersion`, `adapter "${service.adapter}" serves ${adapterVersion}, not ${service.fhirVersion}`);
      }
    }
  }
  return new Map([...loaded].filter((e): e is [string, QueryCatalogue] => typeof e[1] !== 'string'));
}

async function tryLoad(standard: string, folder: string, own: string | undefined): Promise<QueryCatalogue | string> {
  let file: string;
  try {
    file = catalogueFile(standard, own);
  } catch {
    return `"${standard}" is not a standard key (lowercase letters, digits, dots and dashes)`;
  }
  if (!(await isReadable(file, 'file'))) return `no query catalogue "${standard}" in ${folder}`;
  try {
    return await loadCatalogue(file);
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * A catalogue may name a parameter or _include the search engine has no definition for (a new
 * standard whose rows were not added to param-definitions.ts); every such search would fail at
 * request time. Each template is run through the engine with sample values against an adapter
 * that holds nothing: the engine compiles every filter and include before it asks the adapter.
 */
async function engineProblems(catalogue: QueryCatalogue): Promise<string[]> {
  const problems: string[] = [];
  for (const t of catalogue.searches) {
    try {
      const request = parseSearchRequest({
        fhirVersion: catalogue.fhirVersion,
        resourceType: t.resourceType,
        ...(t.operation ? { operation: t.operation } : {}),
        params: sampleParams(t, catalogue.fhirVersion === 'R4' ? '_include:iterate' : '_include:recurse'),
      });
      await executeSearch(request, EMPTY_ADAPTER, {
        patient: { patientRef: 'deployment-check' },
        fhirVersion: catalogue.fhirVersion,
        requestId: 'deployment-check',
        signal: new AbortController().signal,
        log: createSilentLogger(),
      });
    } catch (err) {
      if (!(err instanceof SearchParamError)) throw err;
      problems.push(`query catalogue "${catalogue.standard}" search "${t.name}": the search engine refuses it (${err.message})`);
    }
  }
  return problems;
}

function sampleParams(t: QueryTemplate, iterateName: string): SearchParam[] {
  const params: SearchParam[] = [];
  for (const [name, rule] of Object.entries(t.params)) {
    if ('equals' in rule) params.push(...rule.equals.map((value) => ({ name, value })));
    else if (rule.format === 'token') params.push({ name, value: name.endsWith(':of-type') ? 'urn:example:system|t|x' : 'urn:example:system|x' });
    else if (rule.format === 'text') params.push({ name, value: 'x' });
    else params.push(...rule.prefixes.map((prefix) => ({ name, value: `${prefix}2024-01-01` })));
  }
  return [...params, ...t.include.map((value) => ({ name: '_include', value })), ...t.iterate.map((value) => ({ name: iterateName, value }))];
}

const EMPTY_ADAPTER: Adapter = {
  id: 'deployment-check',
  capabilities: () => ({ resourceTypes: [] }),
  search: async () => ({ resources: [] }),
  read: async () => undefined,
  findPatientByBsn: async () => undefined,
  health: async () => ({ ok: true }),
  close: async () => undefined,
};

/** Each adapter block against its kind's schema; returns the resource types each block serves (when stated). */
function checkAdapterBlocks(config: GatewayConfig, report: Report): Map<string, readonly string[] | undefined> {
  try {
    parseAdapterBlocks(config.adapters);
  } catch (err) {
    if (!(err instanceof AdapterConfigError)) throw err;
    for (const issue of err.issues) report(issue.path, issue.message);
  }
  const types = new Map<string, readonly string[] | undefined>();
  for (const block of config.adapters) {
    const listed = block['resourceTypes'];
    const resources = block['resources'];
    if (Array.isArray(listed)) types.set(block.id, listed.filter((t): t is string => typeof t === 'string'));
    else if (isRecord(resources)) types.set(block.id, Object.keys(resources));
    else types.set(block.id, undefined); // demo: whatever its data sets hold
  }
  return types;
}

/** Files adapter blocks name, resolved against the config's folder as the adapters do. */
async function checkAdapterFiles(config: GatewayConfig, configDir: string, report: Report): Promise<void> {
  for (const [i, block] of config.adapters.entries()) {
    const files: Array<[string, unknown, 'file' | 'directory']> = [
      [`adapters[${i}].caFile`, block['caFile'], 'file'],
      [`adapters[${i}].connection.ssl.caFile`, field(field(block['connection'], 'ssl'), 'caFile'), 'file'],
    ];
    if (field(block['auth'], 'kind') === 'client-certificate') {
      files.push([`adapters[${i}].auth.certFile`, field(block['auth'], 'certFile'), 'file'], [`adapters[${i}].auth.keyFile`, field(block['auth'], 'keyFile'), 'file']);
    }
    for (const version of ['STU3', 'R4']) {
      const folders = field(block['datasets'], version);
      if (Array.isArray(folders)) folders.forEach((f, k) => files.push([`adapters[${i}].datasets.${version}[${k}]`, f, 'directory']));
    }
    for (const [where, value, kind] of files) {
      if (typeof value === 'string') await requireReadable(where, path.resolve(configDir, value), kind, report);
    }
  }
}

/** Start: the same checks, without the list files; throws DeploymentError naming every problem. */
export async function assertDeployment(config: GatewayConfig, configDir: string): Promise<void> {
  const result = await checkDeployment(config, configDir, { lists: false });
  if (!result.ok) throw new DeploymentError(result.errors);
}

/** TLS, list and key files (already absolute: the config schema resolved them). */
async function checkConfigFiles(config: GatewayConfig, report: Report): Promise<void> {
  const { tls, lists, oauth } = config;
  // generateDevCertificates writes the development PKI beside certFile at start when it is
  // missing: only files of that PKI are exempt; a clientCaFile elsewhere must exist.
  const dev = devPkiFiles(path.dirname(tls.certFile));
  const generated = new Set(tls.generateDevCertificates ? [dev.gatewayCert, dev.gatewayKey, dev.caCert] : []);
  const tlsFiles: Array<[string, string | undefined]> = (
    [['tls.certFile', tls.certFile], ['tls.keyFile', tls.keyFile], ['tls.clientCaFile', tls.clientCaFile]] as Array<[string, string]>
  ).filter(([, file]) => !generated.has(file));
  tlsFiles.push(['tls.patientCertFile', tls.patientCertFile], ['tls.patientKeyFile', tls.patientKeyFile]);
  tlsFiles.push(['lists.fetch.caFile', lists.fetch.caFile], ['lists.fetch.clientCertFile', lists.fetch.clientCertFile]);
  tlsFiles.push(['lists.fetch.clientKeyFile', lists.fetch.clientKeyFile], ['oauth.keysFile', oauth.keysFile]);
  for (const [where, file] of tlsFiles) if (file !== undefined) await requireReadable(where, file, 'file', report);
}

/** The MedMij list files, parsed exactly as the gateway would at start. */
async function checkListFiles(config: GatewayConfig, report: Report): Promise<void> {
  const { lists } = config;
  for (const kind of LIST_KINDS) {
    const source = lists[kind].source;
    if (/^https:\/\//i.test(source)) continue;
    const where = `lists.${kind}.source`;
    if (!(await requireReadable(where, source, 'file', report))) continue;
    // A list file is parsed exactly as the gateway would at start; a wrong or broken list is an error now.
    const checked = await checkListFile(source, { maxBytes: lists.fetch.maxBytes, developmentExceptions: config.mode !== 'production' });
    if (!checked.ok) report(where, `the list is refused: ${checked.error}`);
    else if (checked.kind !== kind) report(where, `holds a ${checked.kind} list, not a ${kind} list`);
  }
}

/** The schema checks this too; repeated here so a config built in code gets the same answer. */
function checkQualificationTokens(config: GatewayConfig, report: Report): void {
  for (const [i, t] of config.qualification.tokens.entries()) {
    const provider = config.providers.find((p) => p.name === t.provider);
    if (!provider) {
      report(`qualification.tokens[${i}].provider`, `no provider "${t.provider}"`);
      continue;
    }
    for (const [j, s] of t.services.entries()) {
      if (!provider.services.some((ps) => ps.id === s)) report(`qualification.tokens[${i}].services[${j}]`, `provider "${t.provider}" has no service "${s}"`);
    }
  }
}

/** Catalogue searches whose resource type the service's adapter does not serve: they can only fail. */
function uncoveredTypes(config: GatewayConfig, catalogues: ReadonlyMap<string, QueryCatalogue>, adapterTypes: ReadonlyMap<string, readonly string[] | undefined>): string[] {
  const notes: string[] = [];
  for (const [i, provider] of config.providers.entries()) {
    for (const [j, service] of provider.services.entries()) {
      const served = adapterTypes.get(service.adapter);
      const searched = catalogues.get(service.standard)?.searches.map((t: QueryTemplate) => t.resourceType) ?? [];
      const missing = [...new Set(searched)].filter((t) => served !== undefined && !served.includes(t));
      if (missing.length > 0) {
        notes.push(`providers[${i}].services[${j}]: adapter "${service.adapter}" serves no ${missing.join(', ')}; those searches of "${service.standard}" will fail`);
      }
    }
  }
  return notes;
}

async function requireReadable(where: string, file: string, kind: 'file' | 'directory', report: Report): Promise<boolean> {
  if (await isReadable(file, kind)) return true;
  report(where, `${kind === 'file' ? 'file' : 'folder'} ${file} does not exist or is not readable`);
  return false;
}

async function isReadable(file: string, kind: 'file' | 'directory'): Promise<boolean> {
  try {
    const s = await stat(file);
    if (kind === 'file' ? !s.isFile() : !s.isDirectory()) return false;
    await access(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}
