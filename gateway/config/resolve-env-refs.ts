import { formatPath, type ConfigIssue } from './config-error.js';

const REF = /\$\{env:([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface ResolvedEnv {
  readonly value: unknown;
  readonly issues: readonly ConfigIssue[];
  /** YAML paths (dotted) whose value came partly from the environment. */
  readonly paths: readonly string[];
}

/**
 * Replaces `${env:NAME}` in string values, as the whole value or embedded (`redis://${env:HOST}:6379`).
 * The result is always a string. An unset or empty NAME is an error naming NAME and the YAML path,
 * never the value: secrets (passwords, keys) are what env references are for. Keys are not resolved.
 */
export function resolveEnvRefs(input: unknown, env: NodeJS.ProcessEnv): ResolvedEnv {
  const issues: ConfigIssue[] = [];
  const paths: string[] = [];

  const walk = (value: unknown, path: PropertyKey[]): unknown => {
    if (typeof value === 'string') {
      if (!value.includes('${env:')) return value;
      paths.push(formatPath(path));
      if (value.replace(REF, '').includes('${env:')) {
        issues.push({ path: formatPath(path), message: 'malformed environment reference: ${env: without a closing }' });
      }
      return value.replace(REF, (_whole, name: string) => {
        if (!NAME.test(name)) {
          issues.push({ path: formatPath(path), message: 'malformed environment reference: use ${env:NAME} with NAME of letters, digits and _' });
          return '';
        }
        const resolved = env[name];
        if (resolved === undefined || resolved === '') {
          issues.push({ path: formatPath(path), message: `environment variable ${name} is not set` });
          return '';
        }
        return resolved;
      });
    }
    if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i]));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]));
    }
    return value;
  };

  return { value: walk(input, []), issues, paths };
}
