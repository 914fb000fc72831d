import { historyRowId, isUuid } from '../../src/common/uuid';

// Rows that pile up get time-ordered ids, so new primary-key entries go to the index's right
// edge instead of a random page of a large one.
describe('history row ids', () => {
  it('are UUIDs whose order is the order they were made in, also within one millisecond', () => {
    const ids = Array.from({ length: 1000 }, () => historyRowId());
    expect(ids.every(isUuid)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0][14]).toBe('7');
  });
});
