import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFileListSource } from '../../../gateway/lists/file-list-source.js';
import { Utf8Collector } from '../../../gateway/lists/list-source.js';

/**
 * The file source reads, hashes and checks a list piece by piece (1 MiB), so a 9 MB list never
 * holds the event loop in one go (issue 9, finding 5). These check that the pieces add up to the
 * same document, ETag and refusals as reading it whole would.
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gw-file-source-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const MiB = 1024 * 1024;
const signal = new AbortController().signal;

async function fileWith(name: string, bytes: Buffer): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return file;
}

describe('the file list source', () => {
  it('reads a document of several pieces whole, with a character split across a piece boundary', async () => {
    // 'é' is two bytes; put its first byte as the last byte of the first piece.
    const text = `${'a'.repeat(MiB - 1)}é${'b'.repeat(MiB)}€ end`;
    const bytes = Buffer.from(text, 'utf8');
    expect(bytes[MiB - 1]).toBe(0xc3);
    const source = createFileListSource(await fileWith('split.xml', bytes), { maxBytes: 10 * MiB });
    const result = await source.fetch(signal);
    expect(result).toMatchObject({ xml: text, etag: `"sha256-${createHash('sha256').update(bytes).digest('base64url')}"` });
    // The bytes as read, kept for the parse worker and the store.
    expect(Buffer.concat((result as { readonly utf8: readonly Uint8Array[] }).utf8).equals(bytes)).toBe(true);
  });

  it('answers not-modified for the ETag of the same bytes', async () => {
    const source = createFileListSource(await fileWith('same.xml', Buffer.from('x'.repeat(3 * MiB + 7))), { maxBytes: 10 * MiB });
    const first = await source.fetch(signal);
    if (first === 'not-modified') throw new Error('expected a document');
    expect(await source.fetch(signal, first.etag)).toBe('not-modified');
  });

  it('drops a leading byte order mark', async () => {
    const source = createFileListSource(await fileWith('bom.xml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<a/>')])), { maxBytes: MiB });
    expect(await source.fetch(signal)).toMatchObject({ xml: '<a/>' });
  });

  it.each([
    ['an invalid byte in a later piece', Buffer.concat([Buffer.from('a'.repeat(MiB + 10)), Buffer.from([0xff]), Buffer.from('z')])],
    ['a document that ends inside a sequence', Buffer.concat([Buffer.from('a'.repeat(MiB)), Buffer.from([0xe2, 0x82])])],
  ])('refuses %s as not UTF-8', async (_what, bytes) => {
    const source = createFileListSource(await fileWith('bad.xml', bytes), { maxBytes: 10 * MiB });
    await expect(source.fetch(signal)).rejects.toMatchObject({ name: 'ListFetchError', message: 'list is not valid UTF-8' });
  });

  it('refuses a file over the cap', async () => {
    const source = createFileListSource(await fileWith('big.xml', Buffer.alloc(2 * MiB + 1, 0x61)), { maxBytes: 2 * MiB });
    await expect(source.fetch(signal)).rejects.toThrow(/exceeds the 2097152-byte cap/);
  });
});

describe('Utf8Collector (checks bytes as they arrive, decodes only on demand)', () => {
  const sample = Buffer.from('<a>é€𝄞 zorg\u00e0</a>', 'utf8');
  const collect = (pieces: readonly Uint8Array[]): string => {
    const collector = new Utf8Collector();
    for (const piece of pieces) collector.push(piece);
    collector.finish();
    return collector.text;
  };

  it('accepts a sequence split at any byte, also over pieces of one byte', () => {
    for (let at = 0; at <= sample.length; at++) expect(collect([sample.subarray(0, at), sample.subarray(at)])).toBe(sample.toString('utf8'));
    expect(collect([...sample].map((byte) => Uint8Array.of(byte)))).toBe(sample.toString('utf8'));
  });

  it.each([
    ['a lone continuation byte at the start of a piece', [Buffer.from('ab'), Uint8Array.of(0x82, 0x61)]],
    ['a sequence cut short by the next piece', [Uint8Array.of(0x61, 0xe2), Uint8Array.of(0x82, 0x61)]],
    ['an overlong encoding', [Uint8Array.of(0xc0, 0xaf)]],
    ['a surrogate', [Uint8Array.of(0xed, 0xa0), Uint8Array.of(0x80)]],
    ['a document that ends inside a sequence', [Uint8Array.of(0x61), Uint8Array.of(0xf0, 0x9d)]],
  ])('refuses %s', (_what, pieces) => {
    expect(() => collect(pieces)).toThrow('list is not valid UTF-8');
  });
});
