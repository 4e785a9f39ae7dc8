import { timeOrderedIds } from './time-ordered-id';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('timeOrderedIds', () => {
  it('mints distinct UUIDv7 strings that carry the time and sort by it', () => {
    const t = Date.UTC(2026, 11, 3, 17, 0, 0, 123);
    const ids = timeOrderedIds(1000, t);
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) expect(id).toMatch(UUID_V7);
    expect(parseInt(ids[0]!.replace(/-/g, '').slice(0, 12), 16)).toBe(t);
    const later = timeOrderedIds(1, t + 1)[0]!;
    expect([...ids].every((id) => id < later)).toBe(true);
    expect(timeOrderedIds(0)).toEqual([]);
  });
});
