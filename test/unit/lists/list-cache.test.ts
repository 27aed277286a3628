import { describe, expect, it } from '@jest/globals';
import { ErrorCodes } from '../../../gateway/errors.js';
import { createListCache } from '../../../gateway/lists/list-cache.js';
import { MemoryStore } from '../../../gateway/storage/memory-store.js';
import { whitelistXml } from './fixtures.js';

/**
 * The stored last good copy (issue 9, finding 5): the XML is kept as is after a small JSON header,
 * so storing and reading a 9 MB list never runs JSON over the whole document on the event loop.
 */
describe('the stored last good copy of a list', () => {
  it('round-trips the record, with the XML stored unescaped after the header', async () => {
    const store = new MemoryStore();
    const cache = createListCache(store);
    const xml = `${whitelistXml(7)}<!-- "quotes", \\backslash\\, a newline\n and é -->`;
    await cache.save('whitelist', { xml, fetchedAt: 1_700_000_000_000, volgnummer: 7, etag: '"e7"' });
    const raw = (await store.get('lists:whitelist'))!;
    expect(raw.startsWith('v2\n{')).toBe(true);
    expect(raw.endsWith(`\n${xml}`)).toBe(true);
    expect(await cache.load('whitelist')).toEqual({ xml, fetchedAt: 1_700_000_000_000, volgnummer: 7, etag: '"e7"' });
  });

  it('round-trips characters outside the BMP across the 1 Mi pieces the record is encoded in', async () => {
    const cache = createListCache(new MemoryStore());
    // A surrogate pair exactly on the first piece boundary (1,048,576 code units in).
    const head = whitelistXml(8);
    const xml = `${head}<!--${'a'.repeat(1024 * 1024 - head.length - 5)}😀 é -->`;
    expect(xml.charCodeAt(1024 * 1024 - 1)).toBeGreaterThanOrEqual(0xd800);
    await cache.save('whitelist', { xml, fetchedAt: 9, volgnummer: 8 });
    expect((await cache.load('whitelist'))?.xml).toBe(xml);
  });

  it('tells the stored Volgnummer from a small key of its own, and from the record when that key is absent', async () => {
    const store = new MemoryStore();
    const cache = createListCache(store);
    expect(await cache.storedVolgnummer('whitelist')).toBeUndefined();
    await cache.save('whitelist', { xml: whitelistXml(4), fetchedAt: 1, volgnummer: 4 });
    expect(await store.get('lists:whitelist:volgnummer')).toBe('4');
    expect(await cache.storedVolgnummer('whitelist')).toBe(4);
    // A record written by an earlier version, without the small key.
    await store.del('lists:whitelist:volgnummer');
    await store.set('lists:whitelist', JSON.stringify({ v: 1, xml: whitelistXml(6), fetchedAt: 10, volgnummer: 6 }));
    expect(await cache.storedVolgnummer('whitelist')).toBe(6);
  });

  it('keeps a record without an ETag without one', async () => {
    const cache = createListCache(new MemoryStore());
    await cache.save('oauthClientList', { xml: '<x/>', fetchedAt: 5, volgnummer: 1 });
    expect(await cache.load('oauthClientList')).toEqual({ xml: '<x/>', fetchedAt: 5, volgnummer: 1 });
  });

  it('still reads a v1 record (one JSON object) written by an earlier version', async () => {
    const store = new MemoryStore();
    await store.set('lists:whitelist', JSON.stringify({ v: 1, xml: whitelistXml(3), fetchedAt: 10, volgnummer: 3, etag: '"old"' }));
    expect(await createListCache(store).load('whitelist')).toEqual({ xml: whitelistXml(3), fetchedAt: 10, volgnummer: 3, etag: '"old"' });
  });

  it.each([
    ['a v2 record without the header line end', 'v2\n{"fetchedAt":1,"volgnummer":2}'],
    ['a v2 header that is not JSON', 'v2\n{fetchedAt:1}\n<x/>'],
    ['a v2 header without a volgnummer', 'v2\n{"fetchedAt":1}\n<x/>'],
    ['a v2 header with a non-string ETag', 'v2\n{"fetchedAt":1,"volgnummer":2,"etag":3}\n<x/>'],
    ['a v1 record whose xml is not a string', '{"v":1,"xml":5,"fetchedAt":1,"volgnummer":2}'],
    ['neither layout', 'garbage'],
  ])('refuses %s as LIST_INVALID', async (_what, raw) => {
    const store = new MemoryStore();
    await store.set('lists:whitelist', raw);
    await expect(createListCache(store).load('whitelist')).rejects.toMatchObject({ code: ErrorCodes.LIST_INVALID });
  });
});
