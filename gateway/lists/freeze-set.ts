/** A read-only view of a Set: Object.freeze does not stop Set.prototype.add, so lists expose this instead. */
export function freezeSet<T>(set: Set<T>): ReadonlySet<T> {
  const view: ReadonlySet<T> = {
    has: (v) => set.has(v),
    get size() {
      return set.size;
    },
    forEach: (cb, thisArg) => set.forEach((v) => cb.call(thisArg, v, v, view)),
    entries: () => set.entries(),
    keys: () => set.keys(),
    values: () => set.values(),
    [Symbol.iterator]: () => set.values(),
  };
  return Object.freeze(view);
}
