import type { Outbox } from '../../gateway/ketenlog/index.js';

/**
 * The shared suite every Outbox implementation passes (STYLE house rule 8): order, stable ids,
 * ack of delivered entries only, bounded drops of the oldest.
 */
export function runOutboxContract(name: string, setup: () => Promise<{ outbox: Outbox; cleanup: () => Promise<void> }>): void {
  describe(`${name} (Outbox contract)`, () => {
    let outbox: Outbox;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ outbox, cleanup } = await setup());
    });
    afterEach(async () => {
      await cleanup();
    });

    it('starts empty', async () => {
      expect(await outbox.size()).toBe(0);
      expect(await outbox.peek(10)).toEqual([]);
    });

    it('keeps records in the order appended, across appends, with increasing unique ids', async () => {
      await outbox.append(['{"n":1}', '{"n":2}']);
      await outbox.append(['{"n":3}']);
      const head = await outbox.peek(10);
      expect(head.map((e) => e.record)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
      expect(new Set(head.map((e) => e.id)).size).toBe(3);
      const [a, b, c] = head.map((e) => e.id.split('-').map(Number) as [number, number]);
      const before = (x: [number, number], y: [number, number]) => x[0] < y[0] || (x[0] === y[0] && x[1] < y[1]);
      expect(before(a!, b!) && before(b!, c!)).toBe(true);
      expect(await outbox.size()).toBe(3);
    });

    it('peek does not remove, and the same entries come back with the same ids', async () => {
      await outbox.append(['a', 'b', 'c']);
      const first = await outbox.peek(2);
      const again = await outbox.peek(2);
      expect(again).toEqual(first);
      expect(first.map((e) => e.record)).toEqual(['a', 'b']);
      expect(await outbox.size()).toBe(3);
    });

    it('records when each entry was queued', async () => {
      const before = Date.now();
      await outbox.append(['x']);
      const [entry] = await outbox.peek(1);
      expect(entry!.queuedAtMs).toBeGreaterThanOrEqual(before - 5);
      expect(entry!.queuedAtMs).toBeLessThanOrEqual(Date.now() + 5);
    });

    it('ack removes exactly the delivered entries; a second ack of them removes nothing', async () => {
      await outbox.append(['a', 'b', 'c', 'd']);
      const head = await outbox.peek(2);
      expect(await outbox.ack(head.map((e) => e.id))).toBe(2);
      expect(await outbox.ack(head.map((e) => e.id))).toBe(0);
      expect((await outbox.peek(10)).map((e) => e.record)).toEqual(['c', 'd']);
      expect(await outbox.size()).toBe(2);
    });

    it('dropOldest removes the oldest entries only, never more than there are', async () => {
      await outbox.append(['a', 'b', 'c']);
      expect(await outbox.dropOldest(2)).toBe(2);
      expect((await outbox.peek(10)).map((e) => e.record)).toEqual(['c']);
      expect(await outbox.dropOldest(5)).toBe(1);
      expect(await outbox.size()).toBe(0);
    });

    it('keeps records byte for byte (JSON with non-ASCII text)', async () => {
      const record = JSON.stringify({ event: { type: 'show_landing_page', location: 'zorg.example.nl' }, d: 'één – ✓' });
      await outbox.append([record]);
      expect((await outbox.peek(1))[0]!.record).toBe(record);
    });
  });
}
