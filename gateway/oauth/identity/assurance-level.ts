/**
 * DigiD's assurance levels in ascending order (Logius: Basis, Midden, Substantieel, Hoog) and the
 * `acr` values a broker uses for them by default: the SAML 2.0 authentication context classes
 * DigiD itself sends (PasswordProtectedTransport, MobileTwoFactorContract, Smartcard,
 * SmartcardPKI). Brokers that speak eIDAS LoA URIs are configured with `acrValues`.
 */
export const ASSURANCE_LEVELS = ['basis', 'midden', 'substantieel', 'hoog'] as const;
export type AssuranceLevel = (typeof ASSURANCE_LEVELS)[number];

export const DEFAULT_ACR_VALUES: Readonly<Record<AssuranceLevel, string>> = {
  basis: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
  midden: 'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract',
  substantieel: 'urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard',
  hoog: 'urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI',
};

/** The acr values that meet `minimum`, the minimum first (the preference order of `acr_values`). */
export function acceptableAcrValues(minimum: AssuranceLevel, acrValues: Readonly<Record<AssuranceLevel, string>>): string[] {
  return ASSURANCE_LEVELS.slice(ASSURANCE_LEVELS.indexOf(minimum)).map((level) => acrValues[level]);
}
