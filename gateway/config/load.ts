import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { checkWritablePaths } from './check-writable-paths.js';
import { ConfigError, formatPath, type ConfigIssue } from './config-error.js';
import { deepFreeze } from './deep-freeze.js';
import { parseYaml } from './parse-yaml.js';
import { resolveEnvRefs } from './resolve-env-refs.js';
import { createConfigSchema, type GatewayConfig } from './schema.js';

export interface ParseConfigOptions {
  /** The file the text came from: names it in errors, and relative paths resolve against its folder. */
  readonly file: string;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Reads, validates and freezes a gateway config file. The only place that reads `process.env`
 * (house rule 3): the rest of the gateway gets values through the returned config.
 * Throws ConfigError listing every problem when the file is not a valid config.
 */
export async function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<GatewayConfig> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(absolute, [{ path: '', message: `cannot read the file (${reason})` }]);
  }
  const config = parseConfig(text, { file: absolute, env });
  // What only the disk can tell (a writable audit file), reported like a schema problem: key and line.
  const issues = await checkWritablePaths(config);
  if (issues.length > 0) {
    const yaml = parseYaml(text);
    throw new ConfigError(absolute, issues.map((issue) => ({ ...issue, ...yaml.locate(pathSegments(issue.path)) })));
  }
  return config;
}

/** The pure part of loadConfig: YAML text → frozen config, or ConfigError. No I/O. */
export function parseConfig(text: string, options: ParseConfigOptions): GatewayConfig {
  const file = path.resolve(options.file);
  const yaml = parseYaml(text);
  if (yaml.issues.length > 0) throw new ConfigError(file, yaml.issues);

  const resolved = resolveEnvRefs(yaml.value, options.env);
  const result = createConfigSchema(path.dirname(file)).safeParse(resolved.value);

  // A value whose env reference failed is already reported; its follow-on schema errors are noise.
  const broken = resolved.issues.map((i) => i.path);
  const schemaIssues = result.success
    ? []
    : result.error.issues.flatMap(toConfigIssues).filter((i) => !broken.some((b) => i.path === b || i.path.startsWith(`${b}.`) || i.path.startsWith(`${b}[`)));

  const issues = [...resolved.issues, ...schemaIssues].map((issue) => {
    if (issue.line !== undefined) return issue;
    const pos = yaml.locate(pathSegments(issue.path));
    return pos === undefined ? issue : { ...issue, ...pos };
  });
  if (issues.length > 0 || !result.success) throw new ConfigError(file, sortByLine(issues));
  return deepFreeze(result.data);
}

function toConfigIssues(issue: z.core.$ZodIssue): ConfigIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown key' }));
  }
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
    return [{ path: formatPath(issue.path), message: `required key is missing (expected ${issue.expected})` }];
  }
  // zod's own messages name the expected type or range, never the input, so secrets stay out.
  return [{ path: formatPath(issue.path), message: issue.message }];
}

/** `providers[0].services[1].adapter` → `['providers', 0, 'services', 1, 'adapter']`. */
function pathSegments(dotted: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const m of dotted.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[1] !== undefined) out.push(m[1]);
  }
  return out;
}

function sortByLine(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
}

/**
 * Which config file to run: the first command-line argument, else MEDMIJ_GATEWAY_CONFIG (the
 * Docker image sets it), else the embedded defaults. Here because this folder is the only one
 * that reads the environment.
 */
export function chooseConfigFile(argument: string | undefined, defaultFile: string, env: NodeJS.ProcessEnv = process.env): string {
  return argument ?? (env['MEDMIJ_GATEWAY_CONFIG'] || undefined) ?? defaultFile;
}

/**
 * The address `medmij-gateway health` probes when MEDMIJ_GATEWAY_HEALTH_URL is set (for an
 * orchestrator that maps the operations port elsewhere); undefined means "from the config".
 */
export function chooseHealthUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env['MEDMIJ_GATEWAY_HEALTH_URL'] || undefined;
}
