import { describe, expect, it } from '@jest/globals';
import { fromListData, toListData } from '../../../gateway/lists/list-data.js';
import { parseList } from '../../../gateway/lists/parse-list.js';
import { hostSetOf, packHosts } from '../../../gateway/lists/sorted-host-set.js';

describe('packed host set (the Whitelist as it crosses from the parsing worker)', () => {
  it('answers has() like a Set, for names at both ends, in between and absent', () => {
    const names = ['b.example.nl', 'a.example.nl', 'z.example.nl', 'm-1.example.nl', 'localhost'];
    const set = hostSetOf(packHosts(names));
    expect(set.size).toBe(5);
    for (const n of names) expect(set.has(n)).toBe(true);
    for (const n of ['', 'a.example', 'a.example.nl.', 'c.example.nl', 'zz.example.nl', 'a.example.nl\nb.example.nl']) expect(set.has(n)).toBe(false);
    expect([...set].sort()).toEqual([...names].sort());
  });
  it('handles the empty set and one name', () => {
    expect(hostSetOf(packHosts([])).has('x.nl')).toBe(false);
    expect(hostSetOf(packHosts(['x.nl'])).has('x.nl')).toBe(true);
  });
  it('a Whitelist survives the round trip through plain data unchanged', () => {
    const xml = `<Whitelist xmlns="xmlns://afsprakenstelsel.medmij.nl/whitelist/release2/"><Tijdstempel>2026-01-01T12:00:00+01:00</Tijdstempel><Volgnummer>7</Volgnummer><MedMijNodes><MedMijNode><Hostname>pgo.voorbeeld.nl</Hostname></MedMijNode><MedMijNode><Hostname>node.ander.nl</Hostname></MedMijNode></MedMijNodes></Whitelist>`;
    const direct = parseList('whitelist', xml);
    const viaData = fromListData(structuredClone(toListData(direct)));
    expect(viaData.kind).toBe('whitelist');
    if (viaData.kind !== 'whitelist') return;
    expect(viaData.volgnummer).toBe(7);
    expect(viaData.publishedAt.getTime()).toBe(direct.publishedAt.getTime());
    expect(viaData.has('PGO.voorbeeld.nl')).toBe(true);
    expect(viaData.has('pgo.onbekend.nl')).toBe(false);
    expect(new Set(viaData.hostnames)).toEqual(new Set(direct.hostnames));
  });
});
