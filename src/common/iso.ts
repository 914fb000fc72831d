/** A timestamp as ISO 8601 (rows from pg hold Dates, messages hold strings); null stays null. */
export function iso(value: Date | string | number): string;
export function iso(value: Date | string | number | null | undefined): string | null;
export function iso(value: Date | string | number | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
