import { ConfigError, formatIssue } from './config-error.js';
import { loadConfig } from './load.js';

export type CheckConfigResult = { readonly ok: true; readonly summary: string } | { readonly ok: false; readonly errors: readonly string[] };

/**
 * For `medmij-gateway check-config <file>`: validates without starting anything. The summary
 * names counts and kinds only, never values such as URLs with credentials.
 */
export async function checkConfigFile(file: string, env?: NodeJS.ProcessEnv): Promise<CheckConfigResult> {
  try {
    const c = await loadConfig(file, env);
    // A valid file can still serve nothing: the gateway would start and refuse every request.
    // (A provider without services is already a schema error: services needs at least one.)
    if (c.providers.length === 0) {
      return { ok: false, errors: [`${file}: providers: no care provider is configured, so the gateway would serve nothing (add one with at least one data service)`] };
    }
    const services = c.providers.reduce((n, p) => n + p.services.length, 0);
    const summary =
      `${file}: valid (mode ${c.mode}; storage ${c.storage.kind}; ` +
      `${c.providers.length} provider(s) with ${services} service(s); ${c.adapters.length} adapter(s))`;
    return { ok: true, summary };
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, errors: err.issues.map((i) => formatIssue(err.file, i)) };
    throw err;
  }
}
