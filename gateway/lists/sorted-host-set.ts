/**
 * A read-only set of host names held as ONE string (sorted, newline-separated) plus an offset
 * table, with binary-search lookups. Why not a Set: a Whitelist of 9 MB has ~120,000 names, and
 * turning them into a Set on the main thread (or even receiving them as 120,000 strings from the
 * parsing worker) stalls the event loop for hundreds of milliseconds (issue 9, finding 5). One
 * string and one Int32Array cross from the worker as a copy of a few MB and a transfer; a
 * lookup is ~17 comparisons.
 */
export interface PackedHosts {
  /** Sorted (UTF-16 code unit order), unique, joined by "\n". */
  readonly joined: string;
  /** Start of each name in `joined`; one extra entry: joined.length + 1. */
  readonly offsets: Int32Array;
}

export function packHosts(names: Iterable<string>): PackedHosts {
  const sorted = [...new Set(names)].sort();
  const offsets = new Int32Array(sorted.length + 1);
  let at = 0;
  sorted.forEach((name, i) => {
    offsets[i] = at;
    at += name.length + 1;
  });
  offsets[sorted.length] = at;
  return { joined: sorted.join('\n'), offsets };
}

export function hostSetOf(packed: PackedHosts): ReadonlySet<string> {
  const { joined, offsets } = packed;
  const size = offsets.length - 1;
  const nameAt = (i: number) => joined.slice(offsets[i]!, offsets[i + 1]! - 1);
  const has = (name: string): boolean => {
    let lo = 0;
    let hi = size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const here = nameAt(mid);
      if (here === name) return true;
      if (here < name) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  };
  function* values(): SetIterator<string> {
    for (let i = 0; i < size; i++) yield nameAt(i);
    return undefined;
  }
  const view: ReadonlySet<string> = {
    has,
    get size() {
      return size;
    },
    forEach: (cb, thisArg) => {
      for (let i = 0; i < size; i++) cb.call(thisArg, nameAt(i), nameAt(i), view);
    },
    entries: function* () {
      for (const v of values()) yield [v, v] as [string, string];
      return undefined;
    } as unknown as ReadonlySet<string>['entries'],
    keys: values,
    values,
    [Symbol.iterator]: values,
  } as ReadonlySet<string>;
  return Object.freeze(view);
}
