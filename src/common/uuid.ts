/** Any RFC 4122 layout (PostgreSQL's uuid type accepts every version). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

/**
 * Ids of rows that pile up for months (executions, events, enforcements, inquiries):
 * time-ordered (UUID v7), so a new row's primary-key entry lands at the right edge of the index,
 * not on a random page of a large one that may no longer be in memory.
 */
export { v7 as historyRowId } from 'uuid';
