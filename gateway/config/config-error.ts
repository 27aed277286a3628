import { ErrorCodes, GatewayError } from '../errors.js';

/** One problem in a config file. `path` is dotted with numeric indexes: `providers[0].services[1].adapter`. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
  /** 1-based position in the YAML file, when it could be located. */
  readonly line?: number;
  readonly column?: number;
}

/**
 * Every problem of a config file at once, so an operator fixes them in one round. Messages name
 * keys and environment variable names, never values (values may be secrets; house rule 6).
 */
export class ConfigError extends GatewayError {
  readonly file: string;
  readonly issues: readonly ConfigIssue[];

  constructor(file: string, issues: readonly ConfigIssue[]) {
    super(ErrorCodes.CONFIG_INVALID, `${file}: ${issues.length} configuration problem(s)\n${formatIssues(file, issues)}`);
    this.name = 'ConfigError';
    this.file = file;
    this.issues = Object.freeze([...issues]);
  }

  /** One issue per line: `file:line:column: path: message`. */
  format(): string {
    return formatIssues(this.file, this.issues);
  }
}

export function formatIssue(file: string, issue: ConfigIssue): string {
  const where = issue.line === undefined ? file : `${file}:${issue.line}:${issue.column ?? 1}`;
  return `${where}: ${issue.path === '' ? '(document)' : issue.path}: ${issue.message}`;
}

function formatIssues(file: string, issues: readonly ConfigIssue[]): string {
  return issues.map((issue) => formatIssue(file, issue)).join('\n');
}

/** `['providers', 0, 'services', 1, 'adapter']` → `providers[0].services[1].adapter`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}
