/**
 * @module Every sentence the Person can see, by key, with the placeholders each may use. The
 * order of the keys per screen follows MedMij's screen texts (Toestemmingsverklaring Core 2.2.4,
 * RFC0070 Landingspagina / Annuleringspagina): title, the sentences that name the Aanbieder and
 * the PGO, then the explanation (duration, lapse after six months, how to change the consent).
 * A new screen is a template plus its keys here and in each language file; the start check then
 * demands them from every texts file.
 *
 * Placeholders: `{provider}` the care provider's display name (config), `{pgo}` the PGO's
 * organisation name (OAuth client list), `{services}` the data services by their
 * Gegevensdienstnamenlijst names, `{duration}` how long a long-term consent lasts without use,
 * `{phone}` the provider's support phone, `{id}` / `{count}` for the two formatting keys.
 */
export const PLACEHOLDERS = ['provider', 'pgo', 'services', 'duration', 'phone', 'id', 'count'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export const TEXT_KEYS = {
  // The frame around every page.
  'page.skip': [],
  'page.languageNav': [],
  'page.switchLanguage': [],
  'page.logoAlt': ['provider'],
  'page.footerNav': ['provider'],
  'page.privacy': ['provider'],
  'page.contact': ['provider'],
  // Formatting helpers.
  'format.months': ['count'],
  'format.and': [],
  'format.serviceFallback': ['id'],
  // Landingspagina (RFC0032 / RFC0070): where the Person is, and that DigiD comes next.
  'landing.title': ['provider'],
  'landing.intro': ['provider', 'pgo'],
  'landing.digid': ['provider'],
  'landing.next': [],
  // The same two sentences when the Person shares data (Delen) instead of collecting it.
  'landing.introShare': ['provider', 'pgo'],
  'landing.nextShare': [],
  'landing.login': [],
  'landing.cancel': [],
  // The DigiD simulator (development and test only).
  'login.title': [],
  'login.simulatorNote': [],
  'login.bsnLabel': [],
  'login.bsnHint': [],
  'login.bsnInvalid': [],
  'login.submit': [],
  'login.cancel': [],
  // Toestemmingsverklaring (Core 2.2.4).
  'consent.title': [],
  'consent.question': ['provider', 'pgo'],
  'consent.need': ['provider', 'pgo'],
  'consent.servicesIntro': [],
  'consent.once': [],
  'consent.longTermLabel': [],
  'consent.longTermHint': ['pgo'],
  'consent.explanationTitle': [],
  'consent.privacy': ['provider'],
  'consent.lapse': ['duration'],
  'consent.again': [],
  'consent.withdraw': ['provider', 'pgo'],
  'consent.medmij': ['provider', 'pgo'],
  'consent.secure': ['pgo'],
  'consent.allow': [],
  'consent.deny': [],
  // Bevestigingsverklaring (Delen, Core; RFC0070): the statement what is shared with whom, then
  // its explanation (the PGO sends the data via MedMij; the Aanbieder decides whether it goes into
  // the record), that it holds for this one time, and the two buttons.
  'confirm.title': [],
  'confirm.statement': ['provider', 'pgo', 'services'],
  'confirm.servicesIntro': [],
  'confirm.once': [],
  'confirm.explanationTitle': [],
  'confirm.chosen': ['provider', 'pgo'],
  'confirm.request': ['provider', 'services'],
  'confirm.after': ['provider', 'pgo'],
  'confirm.record': ['provider'],
  'confirm.allow': [],
  'confirm.deny': [],
  // Annuleringspagina.
  'cancelled.title': [],
  'cancelled.text': ['provider', 'pgo'],
  'cancelled.textShare': ['provider', 'pgo'],
  'cancelled.again': ['pgo'],
  'cancelled.back': ['pgo'],
  // The availability check found nothing for this Person.
  'notAvailable.title': [],
  'notAvailable.text': ['provider', 'services'],
  'notAvailable.contact': ['provider'],
  'notAvailable.back': ['pgo'],
  // The interaction is gone (timed out, or never existed for this browser).
  'expired.title': [],
  'expired.text': [],
  'expired.again': [],
  // Back button or a second submit after the answer was processed.
  'answered.title': [],
  'answered.text': [],
  'answered.again': [],
  // Technische storing (Core): minimal text, provider name and phone, Trace ID and Session ID.
  'failure.title': [],
  'failure.text': [],
  'failure.call': ['provider', 'phone'],
  'failure.callGeneric': [],
  'failure.traceId': [],
  'failure.sessionId': [],
  'failure.back': ['pgo'],
  // The authorization request cannot be trusted (client_id / redirect_uri): no redirect.
  'requestError.title': [],
  'requestError.text': [],
  'requestError.again': [],
  // A form that did not come from our page (CSRF token or Origin wrong).
  'forbidden.title': [],
  'forbidden.text': [],
  'forbidden.again': [],
  // GET / on the patient interface.
  'home.title': ['provider'],
  'home.text': ['provider'],
  'home.start': ['provider'],
} as const satisfies Record<string, readonly Placeholder[]>;

export type TextKey = keyof typeof TEXT_KEYS;
export type Texts = Readonly<Record<TextKey, string>>;

export const LANGS = ['nl', 'en'] as const;
export type Lang = (typeof LANGS)[number];

export function isTextKey(key: string): key is TextKey {
  return Object.hasOwn(TEXT_KEYS, key);
}
