import type { Channel } from '@relance/domain';
import { smsSegments, type SmsSegments } from '../sms-segments.js';
import { batchFormOf, fillBatchForm, markData, MarkerCollision, type BatchForm } from './batch-form.js';
import type { CompiledTemplate, TemplateCatalog } from './template-catalog.js';
import { TemplateHelperError, type RenderSettings } from './template-engine.js';
import type { TemplatePart } from './partials.js';

/** What templates know of the customer. Amounts and points are integers; the tier is the program's. */
export interface CustomerData {
  readonly firstName: string | null;
  readonly tier: { readonly id: string; readonly name: string } | null;
  readonly pointsBalance: number;
  readonly type: 'b2c' | 'b2b';
}

export interface RenderRequest {
  readonly channel: Channel;
  readonly templateId: string;
  /** The customer's locale; the merchant's when null or when no template exists in it. */
  readonly locale?: string | null;
  readonly customer: CustomerData;
  /**
   * What this campaign's message is about: the voucher, the points that expire and when, the
   * basket, the new tier, the event… (a template's `sample` section shows what it expects).
   * Amounts in minor units of the merchant's currency, dates as YYYY-MM-DD or ISO instants.
   */
  readonly offer?: Readonly<Record<string, unknown>>;
  /**
   * What the campaign itself says (campaigns.yaml `actions.message.content`: a cuvée, a tasting's date
   * and place), the same for every recipient.
   */
  readonly content?: Readonly<Record<string, unknown>>;
  /** Email: the signed one-click unsubscribe URL of this message. */
  readonly unsubscribeUrl?: string | null;
  /** SMS and RCS: the number that takes STOP ("STOP au 36111"). */
  readonly stopNumber?: string | null;
}

interface RenderedBase {
  readonly templateId: string;
  /** The locale actually rendered (after falling back to the merchant's). */
  readonly locale: string;
  readonly version: string;
  readonly file: string;
}

export interface RenderedEmail extends RenderedBase {
  readonly channel: 'email';
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  /** For sending many recipients in one SendGrid request; null when this content cannot be split safely. */
  readonly batchForm: BatchForm | null;
}

export interface RenderedText extends RenderedBase {
  readonly channel: 'sms' | 'rcs';
  readonly body: string;
  readonly segments: SmsSegments;
}

export interface RenderedLetter extends RenderedBase {
  readonly channel: 'postal';
  readonly subject: string | null;
  readonly body: string;
}

export type RenderedMessage = RenderedEmail | RenderedText | RenderedLetter;

/** A template that cannot render this message: where (file and line when known) and why. */
export class TemplateRenderError extends Error {
  override readonly name = 'TemplateRenderError';
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly reason: string,
  ) {
    super(`${file}${line === null ? '' : `:${line}`}: ${reason}`);
  }
}

/**
 * Renders one message, in strict mode: a variable the data does not have is an error naming the
 * template's file and line, never a blank in a customer's message.
 */
export function renderMessage(catalog: TemplateCatalog, request: RenderRequest): RenderedMessage {
  const template = catalog.get(request.channel, request.templateId, request.locale);
  if (!template) {
    throw new TemplateRenderError(`${catalog.dir}/${request.channel}/${request.locale ?? catalog.merchant.locale}/${request.templateId}.hbs`, null, 'no such template');
  }
  const channel = request.channel;
  if (channel === 'email' && !request.unsubscribeUrl) throw new TemplateRenderError(template.file, null, 'an email needs its unsubscribe URL');
  if ((channel === 'sms' || channel === 'rcs') && !request.stopNumber) throw new TemplateRenderError(template.file, null, 'an SMS needs the STOP number');
  const merchant = catalog.merchant;
  const context = {
    shop: { name: merchant.name },
    customer: request.customer,
    offer: request.offer ?? {},
    content: request.content ?? {},
    links: { unsubscribeUrl: request.unsubscribeUrl ?? '' },
    optOut: { stopNumber: request.stopNumber ?? '' },
  };
  const settings: RenderSettings = { locale: template.locale, currency: merchant.currency, timeZone: merchant.timeZone, marking: false };
  const base = { templateId: template.id, locale: template.locale, version: template.version, file: template.file };
  const part = (name: TemplatePart, data: unknown = context, marking = false) => renderPart(template, name, data, { ...settings, marking });

  if (channel === 'email') {
    const subject = oneLine(part('subject'));
    const html = part('html').trim();
    const text = tidyText(part('text'));
    return { channel, ...base, subject, html, text, batchForm: emailBatchForm(part, context, { subject, html, text }) };
  }
  if (channel === 'sms' || channel === 'rcs') {
    // Typographic spaces from number formatting are not GSM-7: one would make the whole SMS UCS-2.
    const body = tidyText(part('body').replace(/[\u00A0\u202F\u2009\u2007]/g, ' '));
    return { channel, ...base, body, segments: smsSegments(body) };
  }
  const subject = template.parts.subject ? oneLine(part('subject')) : null;
  return { channel: 'postal', ...base, subject: subject === '' ? null : subject, body: tidyText(part('body')) };
}

function emailBatchForm(
  part: (name: TemplatePart, data: unknown, marking: boolean) => string,
  context: unknown,
  final: { subject: string; html: string; text: string },
): BatchForm | null {
  let marked: unknown;
  try {
    marked = markData(context);
  } catch (error) {
    if (error instanceof MarkerCollision) return null;
    throw error;
  }
  const form = batchFormOf({ subject: oneLine(part('subject', marked, true)), html: part('html', marked, true).trim(), text: tidyText(part('text', marked, true)) });
  if (!form) return null;
  // Only a form that gives back exactly what this recipient must read is usable.
  const filled = fillBatchForm(form);
  return filled.subject === final.subject && filled.html === final.html && filled.text === final.text ? form : null;
}

function renderPart(template: CompiledTemplate, name: TemplatePart, data: unknown, settings: RenderSettings): string {
  const compiled = template.parts[name];
  if (!compiled) return '';
  try {
    return compiled.render(data, { data: { relance: settings } });
  } catch (error) {
    const { lineNumber, column } = error as { lineNumber?: number; column?: number };
    const relative = error instanceof TemplateHelperError ? error.line : (lineNumber ?? null);
    const line = relative === null ? compiled.section.firstLine : compiled.section.firstLine + relative - 1;
    // Strict mode names only the last segment ("code" not defined in undefined): the source says which path.
    const missing = / not defined in /.test((error as Error).message) && lineNumber !== undefined && column !== undefined
      ? /^\{*\s*([^\s}]+)/.exec(compiled.section.source.split('\n')[lineNumber - 1]?.slice(column) ?? '')?.[1]
      : undefined;
    const message = missing ? `${missing} is not in the data` : (error as Error).message.replace(/ - \d+:\d+$/, '');
    throw new TemplateRenderError(template.file, line, `${name}: ${message}`);
  }
}

/** Line breaks and runs of blanks become one space; a no-break space from number formatting stays. */
function oneLine(text: string): string {
  return text.replace(/[ \t\r\n]+/g, ' ').trim();
}

function tidyText(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
