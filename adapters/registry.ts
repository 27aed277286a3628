import path from 'node:path';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Adapter } from './types.js';
import { demoAdapterFactory, type CompartmentPatients, type DemoConfig, type FhirXmlParser } from './demo/index.js';
import { fhirPassthroughFactory } from './fhir-passthrough/index.js';
import { sqlAdapterFactory } from './sql/index.js';
import { xmlAdapterFactory } from './xml/index.js';

/**
 * Builds every adapter of the `adapters:` list. The gateway's config schema checks only `id` and
 * `kind`; each kind's strict schema is applied here, and ALL problems of all blocks are reported
 * together, each named by its YAML path (`adapters[2].resources.Observation.search.sql`), like
 * the config loader does for the rest of the file (house rule 3). Messages never echo values.
 */
export interface AdapterRegistryDeps {
  readonly log: Logger;
  /** Folder of the config file: relative file names in adapter blocks are resolved against it. */
  readonly baseDir: string;
  /** FHIR XML parser for `kind: demo` data (gateway/fhir/fhir-xml.ts parseFhirXml). */
  readonly parseXml?: FhirXmlParser;
  /** The patient-compartment rule for `kind: demo` (gateway/fhir/search compartmentPatients). */
  readonly compartment?: CompartmentPatients;
}

export interface AdapterConfigIssue {
  readonly path: string;
  readonly message: string;
}

export class AdapterConfigError extends Error {
  readonly issues: readonly AdapterConfigIssue[];

  constructor(issues: readonly AdapterConfigIssue[]) {
    super(`invalid adapter configuration:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'AdapterConfigError';
    this.issues = issues;
  }
}

type Block = { readonly id: string; readonly kind: string } & Readonly<Record<string, unknown>>;

interface Factory {
  readonly schema: z.ZodType;
  create(config: never, deps: AdapterRegistryDeps): Adapter | Promise<Adapter>;
}

const FACTORIES: Readonly<Record<string, Factory>> = {
  fhir: { schema: fhirPassthroughFactory.configSchema, create: (c, d) => fhirPassthroughFactory.create(c, d) },
  xml: { schema: xmlAdapterFactory.configSchema, create: (c, d) => xmlAdapterFactory.create(c, d) },
  sql: { schema: sqlAdapterFactory.configSchema, create: (c, d) => sqlAdapterFactory.create(c, d) },
  demo: {
    schema: demoAdapterFactory.configSchema,
    create: (c, d) => {
      if (!d.parseXml || !d.compartment) throw new Error('kind demo needs the FHIR XML parser and the compartment rule (deps.parseXml, deps.compartment)');
      return demoAdapterFactory.create(resolveDatasetFolders(c, d.baseDir), { log: d.log, parseXml: d.parseXml, compartment: d.compartment });
    },
  },
};

export const ADAPTER_KINDS: readonly string[] = Object.keys(FACTORIES);

/** Parses every block with its kind's schema; returns the parsed configs or throws all issues at once. */
export function parseAdapterBlocks(blocks: ReadonlyArray<Block>): Array<{ readonly kind: string; readonly config: unknown }> {
  const issues: AdapterConfigIssue[] = [];
  const parsed: Array<{ kind: string; config: unknown }> = [];
  const ids = new Set<string>();
  blocks.forEach((block, i) => {
    const factory = Object.hasOwn(FACTORIES, block.kind) ? FACTORIES[block.kind] : undefined;
    if (!factory) {
      issues.push({ path: `adapters[${i}].kind`, message: `unknown adapter kind (known: ${ADAPTER_KINDS.join(', ')})` });
      return;
    }
    if (ids.has(block.id)) issues.push({ path: `adapters[${i}].id`, message: 'duplicate adapter id' });
    ids.add(block.id);
    const result = factory.schema.safeParse(block);
    if (!result.success) {
      for (const issue of result.error.issues) {
        const base = `adapters[${i}]${formatPath(issue.path)}`;
        // An unknown key is named by its own path, the way the rest of the config reports it.
        if (issue.code === 'unrecognized_keys') for (const key of issue.keys) issues.push({ path: `${base}.${key}`, message: 'unknown key' });
        else issues.push({ path: base, message: issue.message });
      }
      return;
    }
    parsed.push({ kind: block.kind, config: result.data });
  });
  if (issues.length > 0) throw new AdapterConfigError(issues);
  return parsed;
}

export async function createAdapters(blocks: ReadonlyArray<Block>, deps: AdapterRegistryDeps): Promise<ReadonlyMap<string, Adapter>> {
  const parsed = parseAdapterBlocks(blocks);
  const adapters = new Map<string, Adapter>();
  try {
    for (const [i, { kind, config }] of parsed.entries()) {
      const factory = FACTORIES[kind];
      if (!factory) throw new Error(`unknown adapter kind ${kind}`);
      try {
        const adapter = await factory.create(config as never, deps);
        adapters.set(adapter.id, adapter);
      } catch (err) {
        // Construction failures (unreadable certificate files, a mapping that does not compile) are config errors too.
        throw new AdapterConfigError([{ path: `adapters[${i}]`, message: (err as Error).message }]);
      }
    }
  } catch (err) {
    await Promise.allSettled([...adapters.values()].map((a) => a.close()));
    throw err;
  }
  return adapters;
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
}

/** Dataset folders in YAML are relative to the config file, like every other path in it. */
function resolveDatasetFolders(config: DemoConfig, baseDir: string): DemoConfig {
  if (!config.datasets) return config;
  const resolve = (folders: readonly string[] | undefined) => folders?.map((f) => path.resolve(baseDir, f));
  const { STU3, R4 } = config.datasets;
  return {
    ...config,
    datasets: { ...(STU3 ? { STU3: resolve(STU3) ?? [] } : {}), ...(R4 ? { R4: resolve(R4) ?? [] } : {}) },
  };
}
