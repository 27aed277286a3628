import { z } from 'zod';
import { configFields } from './sections/config-fields.js';
import { listenersSection } from './sections/listeners.js';
import { operationsSection } from './sections/operations.js';
import { tlsSection } from './sections/tls.js';
import { listsSection } from './sections/lists.js';
import { storageSection } from './sections/storage.js';
import { loggingSection } from './sections/logging.js';
import { providersSection } from './sections/providers.js';
import { endpointsSection, checkEndpointPaths } from './sections/endpoints.js';
import { adaptersSection } from './sections/adapters.js';
import { oauthSection, checkOAuthSafety } from './sections/oauth.js';
import { rateLimitsSection } from './sections/rate-limits.js';
import { pagesSection } from './sections/pages.js';
import { ketenlogSection } from './sections/ketenlog.js';
import { standardsSection } from './sections/standards.js';
import { qualificationSection, refineQualification, type QualificationDraft } from './sections/qualification.js';
import type { ConfigRule } from './rules/config-rule.js';
import { checkProductionSafety } from './rules/production-safety.js';
import { checkReferences } from './rules/references.js';

/**
 * The one schema of config/gateway.yaml, composed of one section per file under sections/ (each
 * strict: unknown keys are errors; defaults live only there) and cross-section rules under rules/.
 * config/gateway.example.yaml documents every key.
 *
 * To add a section (e.g. `oauth:` or `qualification:`): write sections/<name>.ts exporting
 * `<name>Section(f)`, add it to `sections` below, add production refusals to a rule, and document
 * every key in config/gateway.example.yaml (a unit test checks that).
 */
export function createConfigSchema(baseDir: string) {
  const f = configFields(baseDir);

  const sections = {
    mode: z.enum(['development', 'test', 'production']).default('development'),
    listeners: listenersSection(f),
    operations: operationsSection(f),
    tls: tlsSection(f),
    lists: listsSection(f),
    storage: storageSection(),
    logging: loggingSection(),
    providers: providersSection(),
    endpoints: endpointsSection(),
    adapters: adaptersSection(),
    oauth: oauthSection(f),
    rateLimits: rateLimitsSection(),
    pages: pagesSection(f),
    qualification: qualificationSection(),
    ketenlog: ketenlogSection(f),
    standards: standardsSection(f),
  };

  const rules: readonly ConfigRule[] = [checkProductionSafety, checkReferences, checkOAuthSafety, checkEndpointPaths];

  return z.strictObject(sections).superRefine(
    (config, ctx) => {
      for (const rule of rules) {
        rule(config, (path, message) => ctx.addIssue({ code: 'custom', path: [...path], message }));
      }
      // The qualification rule reads whole sections; it only runs once they parsed.
      const draft = config as Partial<QualificationDraft> | undefined;
      if (Array.isArray(draft?.qualification?.tokens) && Array.isArray(draft?.providers)) {
        refineQualification(draft as QualificationDraft, ctx);
      }
    },
    // Run the rules even when a section failed, so one error lists every mistake (they read defensively).
    { when: () => true },
  );
}

export type GatewayConfig = z.output<ReturnType<typeof createConfigSchema>>;
export type { StorageConfig } from './sections/storage.js';
export type { KetenlogConfig } from './sections/ketenlog.js';
