export type Lang = 'nl' | 'en';

/**
 * Dutch by default (the Person is Dutch-speaking by MedMij's design); English on `?lang=en` or
 * when the browser prefers English over Dutch. Plain language (B1, RFC0070).
 */
export function pickLang(queryLang: unknown, acceptLanguage: string | undefined): Lang {
  if (queryLang === 'en' || queryLang === 'nl') return queryLang;
  const first = (acceptLanguage ?? '').split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : 'nl';
}

export interface Texts {
  readonly skip: string;
  readonly landingTitle: (provider: string) => string;
  readonly landingIntro: (pgo: string, provider: string) => string;
  readonly landingNext: string;
  readonly loginButton: string;
  readonly cancel: string;
  readonly loginTitle: string;
  readonly simulatorNote: string;
  readonly bsnLabel: string;
  readonly bsnHint: string;
  readonly bsnInvalid: string;
  readonly consentTitle: string;
  readonly consentIntro: (pgo: string, provider: string) => string;
  readonly consentQuestion: string;
  readonly longTermLabel: string;
  readonly longTermHint: string;
  readonly allow: string;
  readonly deny: string;
  readonly failureTitle: string;
  readonly failureText: (provider: string, phone: string) => string;
  readonly failureGeneric: string;
  readonly requestErrorTitle: string;
  readonly requestErrorText: string;
  readonly traceId: string;
  readonly sessionId: string;
  readonly language: string;
}

export const TEXTS: Readonly<Record<Lang, Texts>> = {
  nl: {
    skip: 'Naar de inhoud',
    landingTitle: (p) => `U gaat inloggen bij ${p}`,
    landingIntro: (pgo, p) => `U wilt met ${pgo} uw gegevens ophalen bij ${p}. Daarvoor moet u eerst inloggen.`,
    landingNext: 'Na het inloggen vragen wij of u toestemming geeft.',
    loginButton: 'Inloggen',
    cancel: 'Annuleren en terug naar de app',
    loginTitle: 'Inloggen',
    simulatorNote: 'Dit is een testomgeving. U logt in met een testnummer in plaats van DigiD.',
    bsnLabel: 'BSN',
    bsnHint: 'Uw burgerservicenummer: 9 cijfers.',
    bsnInvalid: 'Dit is geen geldig burgerservicenummer. Controleer de 9 cijfers.',
    consentTitle: 'Geeft u toestemming?',
    consentIntro: (pgo, p) => `${pgo} wil deze gegevens van u ophalen bij ${p}:`,
    consentQuestion: 'Mogen wij deze gegevens aan de app geven?',
    longTermLabel: 'Ik geef deze toestemming voor onbepaalde tijd',
    longTermHint: 'Dan hoeft u niet steeds opnieuw in te loggen. Als u zes maanden geen gegevens ophaalt, vervalt de toestemming.',
    allow: 'Toestaan',
    deny: 'Weigeren',
    failureTitle: 'Er is een technische storing',
    failureText: (p, phone) => `Het lukt nu niet om uw gegevens op te halen. Probeer het later opnieuw. Blijft het misgaan? Bel ${p} op ${phone} en noem de codes hieronder.`,
    failureGeneric: 'Het lukt nu niet om uw gegevens op te halen. Probeer het later opnieuw.',
    requestErrorTitle: 'Deze aanvraag kunnen wij niet verwerken',
    requestErrorText: 'De app stuurde een aanvraag die niet klopt. Ga terug naar de app en probeer het opnieuw.',
    traceId: 'Trace ID',
    sessionId: 'Sessie ID',
    language: 'Read in English',
  },
  en: {
    skip: 'Skip to content',
    landingTitle: (p) => `You are about to log in at ${p}`,
    landingIntro: (pgo, p) => `You want to use ${pgo} to collect your data from ${p}. First you need to log in.`,
    landingNext: 'After you log in, we ask for your permission.',
    loginButton: 'Log in',
    cancel: 'Cancel and go back to the app',
    loginTitle: 'Log in',
    simulatorNote: 'This is a test environment. You log in with a test number instead of DigiD.',
    bsnLabel: 'BSN',
    bsnHint: 'Your citizen service number: 9 digits.',
    bsnInvalid: 'This is not a valid citizen service number. Check the 9 digits.',
    consentTitle: 'Do you give permission?',
    consentIntro: (pgo, p) => `${pgo} wants to collect this data about you from ${p}:`,
    consentQuestion: 'May we give this data to the app?',
    longTermLabel: 'I give this permission until further notice',
    longTermHint: 'Then you do not have to log in every time. If you collect no data for six months, the permission ends.',
    allow: 'Allow',
    deny: 'Refuse',
    failureTitle: 'There is a technical problem',
    failureText: (p, phone) => `We cannot collect your data right now. Please try again later. Does it keep going wrong? Call ${p} on ${phone} and give the codes below.`,
    failureGeneric: 'We cannot collect your data right now. Please try again later.',
    requestErrorTitle: 'We cannot process this request',
    requestErrorText: 'The app sent a request that is not correct. Go back to the app and try again.',
    traceId: 'Trace ID',
    sessionId: 'Session ID',
    language: 'Lees in het Nederlands',
  },
};
