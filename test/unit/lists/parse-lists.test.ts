import { ErrorCodes } from '../../../gateway/errors.js';
import { ListParseError } from '../../../gateway/lists/list-parse-error.js';
import { parseAnyList, parseList } from '../../../gateway/lists/parse-list.js';
import { parseGegevensdienstnamenlijst } from '../../../gateway/lists/parse-gegevensdienstnamenlijst.js';
import { parseOAuthClientList } from '../../../gateway/lists/parse-oauth-client-list.js';
import { parseWhitelist } from '../../../gateway/lists/parse-whitelist.js';
import { parseZorgaanbiederslijst } from '../../../gateway/lists/parse-zorgaanbiederslijst.js';
import { readDevList, readFixture, whitelistXml } from './fixtures.js';

/** Runs fn, expects a ListParseError, returns it. */
function refusal(fn: () => unknown): ListParseError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ListParseError);
    expect((error as ListParseError).code).toBe(ErrorCodes.LIST_INVALID);
    return error as ListParseError;
  }
  throw new Error('expected a ListParseError, but parsing succeeded');
}

describe('parseWhitelist', () => {
  it('parses the official structure into a frozen lookup', () => {
    const list = parseWhitelist(readFixture('whitelist.xml'));
    expect(list.kind).toBe('whitelist');
    expect(list.volgnummer).toBe(42);
    expect(list.publishedAt.toISOString()).toBe('2025-03-01T08:15:00.000Z');
    expect([...list.hostnames]).toEqual(['pgo.listed.test', 'medmij.gateway.ziekenhuis.test', 'node-3.pgo-voorbeeld.test']);
    expect(list.has('PGO.Listed.TEST')).toBe(true);
    expect(list.has('pgo.unlisted.test')).toBe(false);
    expect(Object.isFrozen(list)).toBe(true);
    expect(() => ((list.hostnames as Set<string>).add ?? (() => { throw new TypeError('no add'); }))('x.test')).toThrow(TypeError);
  });

  it.each([
    ['wrong namespace', 'whitelist-wrong-namespace.xml', /namespace xmlns:\/\/afsprakenstelsel\.medmij\.nl\/whitelist\/release2\//],
    ['missing element', 'whitelist-missing-volgnummer.xml', /Whitelist\/Volgnummer: required element is missing/],
    ['external entity (DOCTYPE with SYSTEM entity)', 'whitelist-external-entity.xml', /DOCTYPE declarations are refused/],
    ['external DTD', 'whitelist-doctype-system.xml', /DOCTYPE declarations are refused/],
    ['entity-expansion bomb', 'whitelist-entity-bomb.xml', /DOCTYPE declarations are refused/],
    ['truncated file', 'whitelist-truncated.xml', /not well-formed XML \(truncated or corrupt\): unclosed tag/],
    ['old file-version-2 shape', 'whitelist-file-version-2.xml', /MedMijNode\[1\]: text is not allowed here/],
  ])('refuses a %s with a clear error', (_case, file, message) => {
    const error = refusal(() => parseWhitelist(readFixture(file)));
    expect(error.message).toMatch(message);
    expect(error.list).toBe('whitelist');
  });

  it('refuses a lone <!ENTITY> declaration and other markup declarations', () => {
    const xml = whitelistXml(1).replace('<Whitelist', '<!ENTITY x "y">\n<Whitelist');
    expect(refusal(() => parseWhitelist(xml)).message).toMatch(/ENTITY declarations are refused/);
  });

  it('refuses input over the byte cap before parsing, without echoing it', () => {
    const xml = whitelistXml(1, Array.from({ length: 200 }, (_, i) => `host${i}.secret-value.test`));
    const error = refusal(() => parseWhitelist(xml, { maxBytes: 1024 }));
    expect(error.message).toMatch(/exceeds the 1024-byte cap/);
    expect(error.message).not.toContain('secret-value');
  });

  it.each([
    ['an upper-case host name', whitelistXml(1, ['PGO.listed.test']), /Hostname: is not a lowercase host name/],
    ['a single-label host name', whitelistXml(1, ['localhost']), /Hostname: is not a lowercase host name/],
    ['a duplicate host name', whitelistXml(1, ['a.test', 'b.test', 'a.test']), /MedMijNode\[3\]\/Hostname: duplicate host name/],
    ['a zero Volgnummer', whitelistXml(0), /Volgnummer: must be a positive integer/],
    ['a huge Volgnummer', whitelistXml(1).replace('<Volgnummer>1<', '<Volgnummer>99999999999999999999<'), /Volgnummer: is too large/],
    ['a Tijdstempel without zone', whitelistXml(1).replace('08:15:00Z', '08:15:00'), /Tijdstempel: must be an xs:dateTime/],
    ['an impossible date', whitelistXml(1).replace('2025-03-01', '2025-02-30'), /Tijdstempel: is not a valid date/],
    ['an unknown element', whitelistXml(1).replace('<MedMijNodes>', '<Extra>1</Extra><MedMijNodes>'), /Whitelist\/Extra: unknown element/],
    ['a repeated header', whitelistXml(1).replace('<MedMijNodes>', '<Volgnummer>2</Volgnummer><MedMijNodes>'), /Volgnummer: element may occur only once/],
    ['a foreign-namespace element', whitelistXml(1).replace('<MedMijNodes>', '<x:Extra xmlns:x="urn:x"/><MedMijNodes>'), /foreign namespace/],
    ['an empty node list', whitelistXml(1, []), /MedMijNode: required element is missing/],
    ['an attribute', whitelistXml(1).replace('<MedMijNodes>', '<MedMijNodes id="1">'), /attributes are not allowed/],
    ['a second root element', `${whitelistXml(1)}<Whitelist/>`, /exactly one root element/],
    ['trailing text', `${whitelistXml(1)}junk`, /not well-formed/],
    ['an undeclared entity', whitelistXml(1, ['a&x;.test']), /not well-formed/],
    ['an unbound namespace prefix', whitelistXml(1).replace('<MedMijNodes>', '<x:Extra/><MedMijNodes>'), /not well-formed XML \(truncated or corrupt\): unbound namespace prefix/],
    ['a mismatched end tag', whitelistXml(1).replace('</MedMijNodes>', '</MedMijNode>'), /not well-formed/],
    ['elements nested 17 deep', whitelistXml(1).replace('<MedMijNodes>', `${'<a>'.repeat(17)}${'</a>'.repeat(17)}<MedMijNodes>`), /nested deeper than 16 levels/],
    ['whitespace in CDATA as a host name', whitelistXml(1, ['<![CDATA[ ]]>']), /Hostname: /],
    ['a control character', whitelistXml(1, ['a\u0001.test']), /characters not allowed in XML 1.0/],
    ['a non-UTF-8 declaration', whitelistXml(1).replace('UTF-8', 'ISO-8859-1'), /only UTF-8/],
    ['an empty document', '  ', /document is empty/],
  ])('refuses %s', (_case, xml, message) => {
    expect(refusal(() => parseWhitelist(xml)).message).toMatch(message);
  });

  it('reads CDATA as text', () => {
    expect(parseWhitelist(whitelistXml(1, ['<![CDATA[a.test]]>'])).has('a.test')).toBe(true);
  });

  it('accepts xsi:schemaLocation, comments, a BOM and a leading-plus Volgnummer', () => {
    const xml = `\uFEFF${whitelistXml(1)}`
      .replace('<Whitelist ', '<Whitelist xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="a b" ')
      .replace('<Volgnummer>1<', '<!-- c --><Volgnummer> +0005 <');
    expect(parseWhitelist(xml).volgnummer).toBe(5);
  });
});

describe('parseOAuthClientList', () => {
  it('parses the official structure (children in any order, entities resolved)', () => {
    const list = parseOAuthClientList(readFixture('oauth-client-list.xml'));
    expect(list.volgnummer).toBe(7);
    expect(list.clients).toHaveLength(2);
    expect(list.byHostname('APP.gezondheid.test')).toEqual({ hostname: 'app.gezondheid.test', organisationName: 'Gezondheid & Zo' });
    expect(list.byHostname('pgo.unlisted.test')).toBeUndefined();
    expect(Object.isFrozen(list.clients)).toBe(true);
    expect(Object.isFrozen(list.clients[0])).toBe(true);
  });

  it.each([
    ['a too short organisation name', (x: string) => x.replace('>Demo PGO<', '>DP<'), /OAuthclient\[1\]\/OAuthclientOrganisatienaam: must be 3 to 50 characters/],
    ['a too long organisation name', (x: string) => x.replace('>Demo PGO<', `>${'é'.repeat(51)}<`), /must be 3 to 50 characters/],
    ['a missing organisation name', (x: string) => x.replace('<OAuthclientOrganisatienaam>Demo PGO</OAuthclientOrganisatienaam>', ''), /OAuthclient\[1\]\/OAuthclientOrganisatienaam: required element is missing/],
    ['a duplicate host name', (x: string) => x.replace('app.gezondheid.test', 'pgo.listed.test'), /OAuthclient\[2\]\/Hostname: duplicate host name/],
    ['the Whitelist namespace', (x: string) => x.replace('/oauthclientlist/', '/whitelist/'), /must be in namespace/],
  ])('refuses %s', (_case, edit, message) => {
    expect(refusal(() => parseOAuthClientList(edit(readFixture('oauth-client-list.xml')))).message).toMatch(message);
  });

  it('counts characters, not UTF-16 units, for the 50-character limit', () => {
    const xml = readFixture('oauth-client-list.xml').replace('>Demo PGO<', `>${'😀'.repeat(50)}<`);
    expect(parseOAuthClientList(xml).clients[0]?.organisationName).toHaveLength(100);
  });
});

describe('parseZorgaanbiederslijst', () => {
  it('parses the release3 structure', () => {
    const list = parseZorgaanbiederslijst(readFixture('zorgaanbiederslijst.xml'));
    expect(list.release).toBe(3);
    expect(list.volgnummer).toBe(9);
    const provider = list.byName('ziekenhuisvoorbeeld@medmij');
    expect(provider?.type).toBe('ZA');
    const service = provider?.interfaceVersions[0]?.dataServices[0];
    expect(service).toEqual({
      id: '48',
      authorizationEndpointUri: 'https://medmij.ziekenhuis.test/oauth/authorize',
      tokenEndpointUri: 'https://medmij.ziekenhuis.test:8443/oauth/token',
      subscription: { maxDurationDays: 365, subscriptionEndpointUri: 'https://medmij.ziekenhuis.test:8443/subscriptions' },
      systemRoles: [{ code: 'MM-3.0-BZB-FHIR', resourceEndpointUri: 'https://medmij.ziekenhuis.test:8443/48/fhir' }],
    });
    expect(list.byName('medmij.ontwikkel.test-provider@medmij')?.interfaceVersions[0]?.dataServices[0]).not.toHaveProperty('subscription');
    expect(Object.isFrozen(provider?.interfaceVersions[0]?.dataServices)).toBe(true);
  });

  it('parses the release2 structure', () => {
    const list = parseZorgaanbiederslijst(readFixture('zorgaanbiederslijst-release2.xml'));
    expect(list.release).toBe(2);
    expect(list.byName('umcvoorbeeld@medmij')).toMatchObject({ type: 'ZA', interfaceVersions: [{ id: '1', dataServices: [{ id: '4' }] }] });
  });

  const zal = () => readFixture('zorgaanbiederslijst.xml');
  it.each([
    ['a port on the frontchannel URI', zal().replace('https://medmij.ziekenhuis.test/oauth', 'https://medmij.ziekenhuis.test:443/oauth'), /AuthorizationEndpointuri: must be an https URI .* without port/],
    ['a query on the frontchannel URI', zal().replace('/oauth/authorize<', '/oauth/authorize?x=1<'), /AuthorizationEndpointuri/],
    ['http on the token endpoint', zal().replace('https://medmij.ziekenhuis.test:8443/oauth/token', 'http://medmij.ziekenhuis.test/oauth/token'), /TokenEndpointuri: must be an https URI/],
    ['an unknown provider type', zal().replace('<Aanbiedertype>ZA<', '<Aanbiedertype>XX<'), /Aanbiedertype: must be one of ZA, BAZB, APD/],
    ['a provider name without @medmij', zal().replace('ziekenhuisvoorbeeld@medmij', 'ziekenhuisvoorbeeld@other'), /Zorgaanbiedernaam: must be a lowercase name followed by @medmij/],
    ['a too long GegevensdienstId', zal().replace('<GegevensdienstId>48<', `<GegevensdienstId>${'4'.repeat(31)}<`), /GegevensdienstId: must be 1 to 30 characters/],
    ['a missing Systeemrollen', zal().replace(/<Systeemrollen>[\s\S]*?<\/Systeemrollen>/, ''), /Gegevensdienst\[1\]\/Systeemrollen: required element is missing/],
    ['Abonneren in release2', readFixture('zorgaanbiederslijst-release2.xml').replace('<Systeemrollen>', '<Abonneren/><Systeemrollen>'), /Abonneren: unknown element/],
    ['release3 elements in release2', readFixture('zorgaanbiederslijst-release2.xml').replace('<Gegevensdiensten>', '<Aanbiedertype>ZA</Aanbiedertype><Gegevensdiensten>'), /Aanbiedertype: unknown element/],
    ['a localhost endpoint without development exceptions', zal().replace('https://api.provider.test/token', 'https://localhost:9443/token'), /TokenEndpointuri/],
  ])('refuses %s', (_case, xml, message) => {
    expect(refusal(() => parseZorgaanbiederslijst(xml)).message).toMatch(message);
  });
});

describe('parseGegevensdienstnamenlijst', () => {
  it('parses the official structure', () => {
    const list = parseGegevensdienstnamenlijst(readFixture('gegevensdienstnamenlijst.xml'));
    expect(list.volgnummer).toBe(3);
    expect(list.byId('48')?.displayName).toBe('Basisgegevens zorg 3.0');
    expect(list.byId('49')).toBeUndefined();
  });

  it.each([
    ['a short Weergavenaam', (x: string) => x.replace('>Vaccinaties<', '>Va<'), /Gegevensdienst\[2\]\/Weergavenaam: must be 3 to 50 characters/],
    ['an empty GegevensdienstId', (x: string) => x.replace('>63<', '><'), /GegevensdienstId: must be 1 to 30 characters/],
    ['a duplicate GegevensdienstId', (x: string) => x.replace('>63<', '>48<'), /Gegevensdienst\[2\]\/GegevensdienstId: duplicate GegevensdienstId/],
  ])('refuses %s', (_case, edit, message) => {
    expect(refusal(() => parseGegevensdienstnamenlijst(edit(readFixture('gegevensdienstnamenlijst.xml')))).message).toMatch(message);
  });
});

describe('development lists (config/lists/dev)', () => {
  const dev = { developmentExceptions: true } as const;

  it('parse with the development exceptions on', () => {
    const whitelist = parseList('whitelist', readDevList('MedMij_Whitelist.xml'), dev);
    expect(whitelist.has('pgo.listed.test') && whitelist.has('localhost')).toBe(true);
    expect(whitelist.has('pgo.unlisted.test')).toBe(false);
    expect(parseList('oauthClientList', readDevList('MedMij_OAuthclientlist.xml'), dev).byHostname('pgo.listed.test')?.organisationName).toBe('Demo PGO');
    const provider = parseList('zorgaanbiederslijst', readDevList('MedMij_Zorgaanbiederslijst.xml'), dev).byName('demoziekenhuis@medmij');
    const services = provider?.interfaceVersions[0]?.dataServices ?? [];
    expect(services.map((s) => [s.id, s.systemRoles[0]?.code, s.systemRoles[0]?.resourceEndpointUri])).toEqual([
      ['48', 'MM-3.0-BZB-FHIR', 'https://localhost:9443/demoziekenhuis/48/fhir'],
      ['mp9-3.0', 'MM-3.0-MPB-FHIR', 'https://localhost:9443/demoziekenhuis/mp9-3.0/fhir'],
      ['52', 'MM-2.0-MVB-FHIR', 'https://localhost:9443/demoziekenhuis/52/fhir'],
      ['63', 'MM-1.0-VAB-FHIR', 'https://localhost:9443/demoziekenhuis/63/fhir'],
      ['31', 'MM-9.0-MGB-FHIR', 'https://localhost:9443/demoziekenhuis/31/fhir'],
      ['54', 'MM-2.0-AIB-FHIR', 'https://localhost:9443/demoziekenhuis/54/fhir'],
      ['50', 'MM-2.0-GGB-FHIR', 'https://localhost:9443/demoziekenhuis/50/fhir'],
      ['61', 'MM-3.0-LZB-FHIR', 'https://localhost:9443/demoziekenhuis/61/fhir'],
    ]);
    expect(services[0]?.authorizationEndpointUri).toBe('https://localhost:8443/oauth/authorize');
    expect(parseList('gegevensdienstnamenlijst', readDevList('MedMij_Gegevensdienstnamenlijst.xml'), dev).services.map((s) => [s.id, s.displayName])).toEqual([
      ['48', 'Basisgegevens zorg 3.0'],
      ['mp9-3.0', 'Medicatiegegevens 3.0'],
      ['52', 'Meetwaarden vitale functies 2.0'],
      ['53', 'Zelfmetingen 2.0'],
      ['63', 'Vaccinaties 1.0'],
      ['31', 'Medicatiegegevens 9.0'],
      ['54', 'Overgevoeligheden 2.0'],
      ['50', 'Basisgegevens GGZ 2.0'],
      ['61', 'Basisgegevens Langdurige Zorg 3.0'],
    ]);
  });

  it('are refused without them (fail closed in production)', () => {
    expect(refusal(() => parseList('whitelist', readDevList('MedMij_Whitelist.xml'))).path).toBe('Whitelist/MedMijNodes/MedMijNode[2]/Hostname');
    expect(refusal(() => parseList('zorgaanbiederslijst', readDevList('MedMij_Zorgaanbiederslijst.xml'))).path).toMatch(/AuthorizationEndpointuri$/);
  });
});

describe('parseAnyList', () => {
  it('tells the kind from the root element', () => {
    expect(parseAnyList(readFixture('gegevensdienstnamenlijst.xml')).kind).toBe('gegevensdienstnamenlijst');
    expect(parseAnyList(readFixture('zorgaanbiederslijst.xml')).kind).toBe('zorgaanbiederslijst');
  });

  it('refuses a document that is no MedMij list', () => {
    const error = refusal(() => parseAnyList('<Patient xmlns="http://hl7.org/fhir"/>'));
    expect(error.list).toBe('unknown');
    expect(error.message).toMatch(/not a MedMij list/);
  });
});
