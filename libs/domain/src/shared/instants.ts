/**
 * Instants travel as ISO-8601 UTC strings, but "2026-01-01T00:00:00Z" and "…00.000Z" are the same
 * instant and do not sort alike as text: compare them as numbers.
 */
export function instantMs(instant: string): number {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`Not an instant: "${instant}"`);
  return ms;
}

export function compareInstants(a: string, b: string): number {
  return instantMs(a) - instantMs(b);
}

export function isAtOrBefore(a: string, b: string): boolean {
  return instantMs(a) <= instantMs(b);
}

export function isBefore(a: string, b: string): boolean {
  return instantMs(a) < instantMs(b);
}
