import { z } from 'zod';
import { contrastRatio } from './colour-contrast.js';
import type { ConfigFields } from './config-fields.js';

/** WCAG 2.1 AA 1.4.3 for normal text: the colour is link text on white and the background of white button text. */
const AA_NORMAL_TEXT = 4.5;

/**
 * `pages:` — what the Person sees: texts and branding. The texts' keys and placeholders are
 * checked at start against the pages' key list (gateway/oauth/pages/texts/text-keys.ts), with
 * the same YAML paths as here.
 *
 * ```yaml
 * pages:
 *   textsFiles: { nl: texts/medmij-nl.yaml }      # complete texts files (every key), e.g. MedMij's published texts
 *   texts:                                         # single sentences overridden for the whole deployment
 *     nl: { landing.next: "Daarna vragen we je om toestemming." }
 *   displayName: Zorggroep Voorbeeld               # named where no provider is known and several are served
 *   branding:                                      # the deployment default (neutral when left out)
 *     primaryColour: "#0b4f8a"                     # refused below 4.5:1 contrast on white (WCAG AA)
 *     logoFile: branding/logo.svg                  # .svg/.png/.jpg/.webp, ≤ 256 KiB, read at start
 *     privacyUrl: https://zorg.example.nl/privacy
 *     contactUrl: https://zorg.example.nl/contact
 *   providers:                                     # per care provider (key = providers[].name)
 *     demo-ziekenhuis:
 *       texts: { en: { home.start: "Start in your app." } }
 *       branding: { primaryColour: "#6a1b9a" }
 * ```
 */
export function pagesSection(fields: ConfigFields) {
  const colour = z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb')
    .refine((c) => contrastRatio(c, '#ffffff') >= AA_NORMAL_TEXT, `contrast with white text and a white page must be at least ${AA_NORMAL_TEXT}:1 (WCAG 2.1 AA)`)
    .transform((c) => c.toLowerCase());

  const branding = z.strictObject({
    primaryColour: colour.optional(),
    logoFile: fields.filePath.optional(),
    privacyUrl: fields.httpsUrl.optional(),
    contactUrl: fields.httpsUrl.optional(),
  });

  const sentences = z.record(z.string(), z.string().min(1).max(1000));
  const texts = z.strictObject({ nl: sentences.optional(), en: sentences.optional() });

  return z
    .strictObject({
      textsFiles: z.strictObject({ nl: fields.filePath.optional(), en: fields.filePath.optional() }).default({}),
      texts: texts.default({}),
      displayName: z.string().min(1).max(100).default('Zorgaanbieder'),
      branding: branding.default({}),
      providers: z.record(z.string().regex(/^[a-z0-9]+([.-][a-z0-9]+)*$/, 'a provider name'), z.strictObject({ texts: texts.optional(), branding: branding.optional() })).default({}),
    })
    .prefault({});
}

export type PagesConfig = z.output<ReturnType<typeof pagesSection>>;
