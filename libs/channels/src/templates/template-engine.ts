import Handlebars from 'handlebars';
import { Marked, unmark } from './batch-form.js';
import { DATE_FORMATS, formatDate, formatFirstName, formatMoney, formatNumber, type DateFormat } from './formatting.js';
import { builtInPartials, type PartKind } from './partials.js';

/** What the helpers need to know about the message being rendered; passed as Handlebars data. */
export interface RenderSettings {
  readonly locale: string;
  /** The merchant's ISO 4217 currency: amounts in the data are in its minor units. */
  readonly currency: string;
  readonly timeZone: string;
  /** Marked values in, marked values out: see batch-form.ts. */
  readonly marking: boolean;
}

/** A helper misused in a template: the line is the helper's, within its section. */
export class TemplateHelperError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
  ) {
    super(message);
  }
}

type HelperOptions = Handlebars.HelperOptions & { loc?: { start: { line: number } }; data: { relance: RenderSettings } };

const DEFAULT_FALLBACK: Record<string, string> = { fr: 'chère cliente, cher client', en: 'valued customer' };

function helper(name: string, compute: (args: unknown[], hash: Record<string, unknown>, settings: RenderSettings) => string) {
  return function (this: unknown, ...params: unknown[]) {
    const options = params.pop() as HelperOptions;
    const settings = options.data.relance;
    const anyMarked = params.some((p) => p instanceof Marked) || Object.values(options.hash).some((h) => h instanceof Marked);
    const hash = Object.fromEntries(Object.entries(options.hash as Record<string, unknown>).map(([k, v]) => [k, unmark(v)]));
    let result: string;
    try {
      result = compute(params.map(unmark), hash, settings);
    } catch (error) {
      throw new TemplateHelperError(`{{${name}}}: ${(error as Error).message}`, options.loc?.start.line ?? null);
    }
    return settings.marking && anyMarked ? new Marked(result) : result;
  };
}

const HELPERS = {
  money: helper('money', ([amount], hash, s) => {
    if (typeof amount !== 'number') throw new Error(`expects an amount in minor units, got ${JSON.stringify(amount)}`);
    return formatMoney(amount, typeof hash.currency === 'string' ? hash.currency : s.currency, s.locale, hash.compact === true);
  }),
  number: helper('number', ([value], _hash, s) => {
    if (typeof value !== 'number') throw new Error(`expects a number, got ${JSON.stringify(value)}`);
    return formatNumber(value, s.locale);
  }),
  date: helper('date', ([value], hash, s) => {
    const format = (hash.format ?? 'long') as DateFormat;
    if (!DATE_FORMATS.includes(format)) throw new Error(`format "${String(hash.format)}" is not one of ${DATE_FORMATS.join(', ')}`);
    if (typeof value !== 'string' && !(value instanceof Date)) throw new Error(`expects a date (YYYY-MM-DD) or an ISO instant, got ${JSON.stringify(value)}`);
    return formatDate(value, format, s.locale, s.timeZone);
  }),
  firstName: helper('firstName', ([name], hash, s) => {
    const fallback = typeof hash.fallback === 'string' ? hash.fallback : (DEFAULT_FALLBACK[s.locale.slice(0, 2)] ?? DEFAULT_FALLBACK.fr ?? '');
    return formatFirstName(name, s.locale, fallback);
  }),
};

export const HELPER_NAMES = Object.keys(HELPERS);

const environments = new Map<string, typeof Handlebars>();

/** One Handlebars environment per channel, kind of part and language: its partials differ, its helpers do not. */
export function environment(channel: string, kind: PartKind, locale: string): typeof Handlebars {
  const key = `${channel}:${kind}:${locale.slice(0, 2)}`;
  let env = environments.get(key);
  if (!env) {
    env = Handlebars.create();
    env.registerHelper(HELPERS);
    env.registerPartial(builtInPartials(channel, kind, locale));
    environments.set(key, env);
  }
  return env;
}

export function compileOptions(kind: PartKind): CompileOptions {
  // Plain text (SMS, email text, letters) is not HTML: "L'abus" must not become "L&#x27;abus".
  return { strict: true, noEscape: kind !== 'html' };
}
