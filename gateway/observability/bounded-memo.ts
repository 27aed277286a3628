/**
 * `compute` remembered per key, for the field names of log lines: they come from code, a closed
 * set, so each is worked out once. Bounded all the same: past `limit` keys a result is computed
 * each time and not kept (nothing from the network can grow it without end).
 */
export function boundedMemo(compute: (key: string) => string, limit: number): (key: string) => string {
  const known = new Map<string, string>();
  return (key) => {
    let value = known.get(key);
    if (value === undefined) {
      value = compute(key);
      if (known.size < limit) known.set(key, value);
    }
    return value;
  };
}
