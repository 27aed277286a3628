import { describe, expect, it } from '@jest/globals';
import { createParsedRecords } from '../../../gateway/oauth/parsed-records.js';

describe('parsed records (JSON text parsed once per distinct text)', () => {
  it('gives the same frozen value for the same text, a new one for another text', () => {
    const records = createParsedRecords(8);
    const first = records.parse('{"a":{"b":[1,2]}}') as { a: { b: number[] } };
    expect(first).toEqual({ a: { b: [1, 2] } });
    expect(records.parse('{"a":{"b":[1,2]}}')).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.a) && Object.isFrozen(first.a.b)).toBe(true);
    expect(() => {
      first.a.b.push(3);
    }).toThrow(TypeError);
    expect(records.parse('{"a":{"b":[1,3]}}')).toEqual({ a: { b: [1, 3] } });
  });

  it('keeps values that are falsy (null, false, 0) as well', () => {
    const records = createParsedRecords(8);
    expect(records.parse('null')).toBeNull();
    expect(records.parse('false')).toBe(false);
    expect(records.parse('0')).toBe(0);
    expect(records.size).toBe(3);
  });

  it('keeps at most its limit, dropping the oldest text first', () => {
    const records = createParsedRecords(3);
    const one = records.parse('{"n":1}');
    for (let n = 2; n <= 4; n++) records.parse(`{"n":${n}}`);
    expect(records.size).toBe(3);
    // The first text was dropped: parsed again, an equal but new value.
    const again = records.parse('{"n":1}');
    expect(again).toEqual(one);
    expect(again).not.toBe(one);
    expect(records.size).toBe(3);
  });

  it('throws on text that is not JSON, and keeps nothing for it', () => {
    const records = createParsedRecords(3);
    expect(() => records.parse('{"n":')).toThrow(SyntaxError);
    expect(records.size).toBe(0);
  });
});
