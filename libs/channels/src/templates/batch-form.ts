import Handlebars from 'handlebars';

/**
 * An email's content with its per-recipient values taken out: SendGrid sends one request for up to
 * 1,000 recipients, but one content for all of them, personalised by substitutions. `subject`,
 * `html` and `text` hold `%rl<n>%` where value n goes; `values[n]` is this recipient's.
 */
export interface BatchForm {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly values: readonly string[];
}

export const SLOT_WRAPPERS = ['%rl', '%'] as const;
const OPEN = '\uE000';
const CLOSE = '\uE001';

/**
 * A value from the message data, rendered between two private-use markers so that the rendered
 * template shows where each per-recipient value went. Falsy values (0, "") are not marked: they
 * must stay falsy for {{#if}}.
 */
export class Marked {
  constructor(readonly value: unknown) {}
  toString(): string {
    return `${OPEN}${String(this.value)}${CLOSE}`;
  }
  toHTML(): string {
    return `${OPEN}${Handlebars.Utils.escapeExpression(String(this.value))}${CLOSE}`;
  }
}

export function unmark(value: unknown): unknown {
  return value instanceof Marked ? value.value : value;
}

/** The data with every truthy leaf marked. Null when the data already holds a marker character. */
export function markData(data: unknown): unknown {
  if (data instanceof Date) return new Marked(data.toISOString());
  if (typeof data === 'string') {
    if (data.includes(OPEN) || data.includes(CLOSE)) throw new MarkerCollision();
    return data === '' ? data : new Marked(data);
  }
  if (typeof data === 'number') return data === 0 || !Number.isFinite(data) ? data : new Marked(data);
  if (Array.isArray(data)) return data.map(markData);
  if (data && typeof data === 'object') return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, markData(v)]));
  return data;
}

export class MarkerCollision extends Error {}

/**
 * The batch form of three marked renders, numbering slots across subject, html and text in that
 * order; null when the content itself contains the slot syntax or the markers do not pair up.
 */
export function batchFormOf(marked: { subject: string; html: string; text: string }): BatchForm | null {
  const values: string[] = [];
  const skeleton = (part: string): string | null => {
    if (part.includes(SLOT_WRAPPERS[0])) return null;
    const replaced = part.replace(/\uE000([^\uE000\uE001]*)\uE001/g, (_, value: string) => {
      values.push(value);
      return `${SLOT_WRAPPERS[0]}${values.length - 1}${SLOT_WRAPPERS[1]}`;
    });
    return /[\uE000\uE001]/.test(replaced) ? null : replaced;
  };
  const subject = skeleton(marked.subject);
  const html = skeleton(marked.html);
  const text = skeleton(marked.text);
  if (subject === null || html === null || text === null) return null;
  return { subject, html, text, values };
}

/** What a recipient receives from a batch form: every slot replaced by its value, as SendGrid does. */
export function fillBatchForm(form: BatchForm): { subject: string; html: string; text: string } {
  const fill = (part: string) =>
    part.replace(/%rl(\d+)%/g, (slot, index: string) => form.values[Number(index)] ?? slot);
  return { subject: fill(form.subject), html: fill(form.html), text: fill(form.text) };
}
