import { checkListFile } from '../../../gateway/lists/check-list-file.js';
import { formatList } from '../../../gateway/lists/format-list.js';
import { parseWhitelist } from '../../../gateway/lists/parse-whitelist.js';
import { devListPath, fixturePath, whitelistXml } from './fixtures.js';

describe('checkListFile', () => {
  it('detects the kind, validates, and summarises a good file', async () => {
    const result = await checkListFile(fixturePath('zorgaanbiederslijst.xml'));
    expect(result).toEqual({ ok: true, kind: 'zorgaanbiederslijst', summary: expect.any(String) });
    if (!result.ok) return;
    expect(result.summary.split('\n')).toEqual([
      'zorgaanbiederslijst volgnummer 9, published 2025-03-01T07:15:00.000Z',
      'release 3: 2 provider(s), 2 data service registration(s)',
      '  ziekenhuisvoorbeeld@medmij  ZA  interface version 2.2.4 [48]',
      '  medmij.ontwikkel.test-provider@medmij  BAZB  interface version 2 [63]',
    ]);
  });

  it('returns the reason a bad file would be refused', async () => {
    expect(await checkListFile(fixturePath('whitelist-external-entity.xml'))).toEqual({
      ok: false,
      // The kind is not known yet: the DTD is refused before the root element is read.
      error: 'unknown: DOCTYPE declarations are refused: lists never carry a DTD, and entities are never resolved',
    });
    expect(await checkListFile(fixturePath('whitelist-missing-volgnummer.xml'))).toEqual({ ok: false, error: 'whitelist: Whitelist/Volgnummer: required element is missing' });
    expect(await checkListFile(fixturePath('no-such-file.xml'))).toEqual({ ok: false, error: 'cannot open list file: ENOENT' });
    expect(await checkListFile(fixturePath('whitelist.xml'), { maxBytes: 100 })).toEqual({ ok: false, error: 'list file exceeds the 100-byte cap' });
  });

  it('applies the development exceptions only when asked', async () => {
    expect(await checkListFile(devListPath('MedMij_Whitelist.xml'))).toMatchObject({ ok: false, error: expect.stringMatching(/MedMijNode\[2\]\/Hostname/) });
    expect(await checkListFile(devListPath('MedMij_Whitelist.xml'), { developmentExceptions: true })).toMatchObject({ ok: true, kind: 'whitelist' });
  });
});

describe('formatList', () => {
  it('shows the first entries and how many more there are', () => {
    const list = parseWhitelist(whitelistXml(8, ['a.test', 'b.test', 'c.test']));
    expect(formatList(list, 2).split('\n')).toEqual([
      'whitelist volgnummer 8, published 2025-03-01T08:15:00.000Z',
      '3 host name(s)',
      '  a.test',
      '  b.test',
      '  … and 1 more',
    ]);
  });
});
