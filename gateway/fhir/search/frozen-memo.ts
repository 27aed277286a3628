/**
 * @module What a function works out from a frozen object (the demo EHR deep-freezes every
 * resource it holds) cannot change, so it is worked out once per object, not on every search
 * over it: a `$lastn` over 10,000 Observations otherwise reparses every effective date per
 * request. Held in a WeakMap, so a value goes with its object and nothing grows with the number
 * of requests; an object that is not frozen (another adapter's, fresh per call) is never held.
 */
export function memoizeFrozen<K extends object, V>(compute: (key: K) => V): (key: K) => V {
  const known = new WeakMap<K, V>();
  return (key) => {
    if (!Object.isFrozen(key)) return compute(key);
    if (known.has(key)) return known.get(key) as V;
    const value = compute(key);
    known.set(key, value);
    return value;
  };
}
