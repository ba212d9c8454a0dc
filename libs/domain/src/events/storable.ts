import { z } from 'zod';

/**
 * The storable-text rule: whatever the engine accepts, every read model can store and apply.
 *
 * Events are appended as JSON to a `jsonb` column, and the projector copies their text (and the
 * clear text of their sealed fields) into `text` and `jsonb` columns. PostgreSQL refuses two things
 * in them that JavaScript strings can hold:
 * - U+0000 (NUL): `text` cannot hold it, and `jsonb` refuses the `\u0000` escape;
 * - an unpaired UTF-16 surrogate (U+D800–U+DFFF alone): it is no Unicode character, `jsonb` refuses
 *   its escape, and UTF-8 cannot encode it (the driver would silently replace it by U+FFFD).
 * Every other character is stored as it was sent, control characters and emoji included.
 *
 * Every free text of the catalog and of the request schemas is built on `StorableText`, and
 * `parseEvent` also walks each event whole (`unstorableParts`), so that nothing unstorable reaches
 * the log even through a field typed `unknown` or a record key.
 */

const NUL = '\u0000';

/** Why PostgreSQL cannot store this text, or null when it can. */
export function unstorableReason(text: string): string | null {
  if (text.includes(NUL)) return 'contains the NUL character (U+0000), which cannot be stored';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
    if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++;
      continue;
    }
    return `contains an unpaired surrogate (U+${unit.toString(16).toUpperCase()}), which is not a Unicode character`;
  }
  return null;
}

export function isStorableText(text: string): boolean {
  return unstorableReason(text) === null;
}

export interface UnstorablePart {
  /** Where in the value: `["lines", 0, "name"]`. */
  readonly path: readonly (string | number)[];
  readonly reason: string;
}

/** Every string (and object key) in a JSON-like value that PostgreSQL could not store. */
export function unstorableParts(value: unknown, path: readonly (string | number)[] = []): UnstorablePart[] {
  if (typeof value === 'string') {
    const reason = unstorableReason(value);
    return reason ? [{ path, reason }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => unstorableParts(item, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => {
      const reason = unstorableReason(key);
      return [...(reason ? [{ path: [...path, key], reason: `its name ${reason}` }] : []), ...unstorableParts(item, [...path, key])];
    });
  }
  return [];
}

/** A string the read models can store (the checks run first, so other messages never quote bad text). */
export const StorableText = z.string().check((ctx) => {
  const reason = unstorableReason(ctx.value);
  if (reason) ctx.issues.push({ code: 'custom', message: reason, input: ctx.value, continue: false });
});
