import { z } from 'zod';

/**
 * `qualification:` — static bearer tokens for the Nictiz qualification run. The Nictiz scripts
 * send fixed `Bearer <uuid>` tokens, each standing for one test patient, that the system under
 * test must accept without an OAuth flow (digest §7, "Qualification tokens"). They bypass the
 * authorization server and certificate binding, so they are allowed with `mode: test` only:
 * `refineQualification` below refuses them in any other mode.
 *
 * ```yaml
 * mode: test
 * qualification:
 *   tokens:
 *     - token: 93cde269-0000-4000-8000-000000000001   # as in the Nictiz QualificationTokens.json
 *       patientRef: medmij-bgz-test-patA              # the Patient id in the (demo) EHR
 *       provider: demoziekenhuis                      # providers[].name
 *       services: ["48"]                              # providers[].services[].id
 * ```
 */
export function qualificationSection() {
  const token = z.strictObject({
    /** RFC 6750 b64token; at least 16 characters so that a typo cannot make a guessable token. */
    token: z.string().regex(/^[A-Za-z0-9\-._~+/]{16,512}=*$/, 'a bearer token of 16 to 512 token characters'),
    /** The EHR's id of the test patient (never a BSN). */
    patientRef: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'a FHIR id'),
    provider: z.string().min(1),
    services: z.array(z.string().min(1)).min(1),
    /** Shown as the client in audit records. */
    clientId: z.string().min(1).max(100).default('qualification'),
  });
  return z
    .strictObject({
      tokens: z.array(token).default([]),
    })
    .prefault({});
}

export type QualificationConfig = z.output<ReturnType<typeof qualificationSection>>;

/** The parts of the whole config that the refinement reads. */
export interface QualificationDraft {
  readonly mode: string;
  readonly qualification: QualificationConfig;
  readonly providers: ReadonlyArray<{ readonly name: string; readonly services: ReadonlyArray<{ readonly id: string }> }>;
}

/**
 * For the whole-config `superRefine`: static tokens outside `mode: test` would be a back door
 * past OAuth and the whitelist binding, so they are refused (fail closed, house rule 3). Tokens
 * must be unique and name a configured provider and its services.
 */
export function refineQualification(c: QualificationDraft, ctx: z.RefinementCtx): void {
  const tokens = c.qualification.tokens;
  if (tokens.length > 0 && c.mode !== 'test') {
    ctx.addIssue({ code: 'custom', path: ['qualification', 'tokens'], message: `static qualification tokens are allowed with mode: test only, not ${c.mode}` });
  }
  const seen = new Set<string>();
  for (const [i, t] of tokens.entries()) {
    if (seen.has(t.token)) ctx.addIssue({ code: 'custom', path: ['qualification', 'tokens', i, 'token'], message: 'duplicate token' });
    seen.add(t.token);
    const provider = c.providers.find((p) => p.name === t.provider);
    if (!provider) {
      ctx.addIssue({ code: 'custom', path: ['qualification', 'tokens', i, 'provider'], message: `no provider "${t.provider}"` });
      continue;
    }
    for (const [j, s] of t.services.entries()) {
      if (!provider.services.some((ps) => ps.id === s)) {
        ctx.addIssue({ code: 'custom', path: ['qualification', 'tokens', i, 'services', j], message: `provider "${t.provider}" has no service "${s}"` });
      }
    }
  }
}
