import path from 'node:path';
import type { Channel } from '@relance/domain';
import { printable } from '../postal/letter-pdf.js';
import { REQUIRED_PARTIALS, type RequiredPartial, type TemplatePart } from './partials.js';
import { renderMessage, TemplateRenderError, type CustomerData } from './render.js';
import { TemplateCatalog, type CompiledPart, type CompiledTemplate, type MerchantProfile, type TemplateProblem } from './template-catalog.js';

export interface TemplateValidationOptions {
  /** SMS and RCS: a warning above `warnAbove` segments, an error above `refuseAbove` (with the sample data). */
  readonly smsSegments?: { readonly warnAbove: number; readonly refuseAbove: number };
  /** The STOP number the SMS will carry; its length counts in the segments. */
  readonly stopNumber?: string;
  /** Templates the merchant's campaigns name: each must exist in the merchant's locale. */
  readonly required?: readonly { readonly channel: Channel; readonly templateId: string }[];
}

export const DEFAULT_SMS_SEGMENT_BUDGET = { warnAbove: 2, refuseAbove: 3 } as const;

/** The customer validation renders every template for: long enough to show what a long name costs. */
export const SAMPLE_CUSTOMER: CustomerData = {
  firstName: 'marie-christine',
  tier: { id: 'connaisseur', name: 'Connaisseur' },
  pointsBalance: 12_450,
  type: 'b2c',
};

const WHAT: Record<RequiredPartial, Record<'sms' | 'email' | 'postal', string>> = {
  shopName: { sms: 'the shop name', email: 'the shop name', postal: 'the shop name' },
  optOut: { sms: 'the STOP mention', email: 'the unsubscribe link', postal: 'the postal opt-out line' },
  loiEvin: { sms: 'the Loi Évin health warning', email: 'the Loi Évin health warning', postal: 'the Loi Évin health warning' },
};

/**
 * Every problem of a merchant's templates, each at its file and line: syntax, the required
 * partials (shop name, opt-out, and the Loi Évin warning for a merchant that sells alcohol) in every
 * part a customer reads, each outside any condition; a render with the template's sample (strict:
 * every variable must exist); an SMS's segments against the budget; a letter's characters against
 * the letter font; every template present in the merchant's own locale; the templates campaigns name.
 */
export async function validateMerchantTemplates(
  dir: string,
  merchant: MerchantProfile,
  options: TemplateValidationOptions = {},
): Promise<{ catalog: TemplateCatalog; problems: TemplateProblem[] }> {
  const { catalog, problems } = await TemplateCatalog.load(dir, merchant);
  const required: RequiredPartial[] = merchant.alcohol ? [...REQUIRED_PARTIALS] : ['shopName', 'optOut'];
  for (const template of catalog.list()) {
    const partials = partialProblems(template, required);
    problems.push(...partials);
    // A template using a partial that does not exist cannot render: that one problem says it all.
    if (!partials.some((p) => p.message.includes('unknown partial'))) problems.push(...sampleProblems(catalog, template, options));
    if (template.locale !== merchant.locale && !catalog.get(template.channel, template.id, merchant.locale)) {
      problems.push(error(template.file, 1, `no ${merchant.locale} version of this template: the merchant's locale is the fallback of every other`));
    }
  }
  for (const need of options.required ?? []) {
    if (!catalog.get(need.channel, need.templateId, merchant.locale)) {
      problems.push(error(path.join(dir, need.channel, merchant.locale, `${need.templateId}.hbs`), 1, `template "${need.templateId}" for ${need.channel} is named by a campaign but does not exist`));
    }
  }
  return { catalog, problems };
}

function partialProblems(template: CompiledTemplate, required: readonly RequiredPartial[]): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const family = template.channel === 'rcs' ? 'sms' : template.channel;
  for (const [name, part] of Object.entries(template.parts) as [TemplatePart, CompiledPart][]) {
    const found = partialsIn(part.ast);
    for (const use of found) {
      const line = part.section.firstLine + use.line - 1;
      if (!(REQUIRED_PARTIALS as readonly string[]).includes(use.name)) {
        problems.push(error(template.file, line, `${name}: unknown partial "${use.name}" (partials: ${REQUIRED_PARTIALS.join(', ')})`));
      } else if (use.conditional) {
        problems.push(error(template.file, line, `${name}: {{> ${use.name}}} is inside {{#${use.conditional}}}: it must be in every message`));
      }
    }
    if (name === 'subject') continue;
    for (const partial of required) {
      if (!found.some((use) => use.name === partial)) {
        problems.push(error(template.file, part.section.firstLine, `${name}: {{> ${partial}}} is missing (${WHAT[partial][family]})`));
      }
    }
  }
  return problems;
}

interface PartialUse {
  readonly name: string;
  readonly line: number;
  /** The block helper it sits in, if any. */
  readonly conditional: string | null;
}

function partialsIn(program: hbs.AST.Program, within: string | null = null): PartialUse[] {
  const uses: PartialUse[] = [];
  for (const node of program.body) {
    if (node.type === 'PartialStatement' || node.type === 'PartialBlockStatement') {
      const partial = node as hbs.AST.PartialStatement;
      const name = partial.name.type === 'PathExpression' ? (partial.name as hbs.AST.PathExpression).original : '(dynamic)';
      uses.push({ name, line: partial.loc.start.line, conditional: within });
    } else if (node.type === 'BlockStatement') {
      const block = node as hbs.AST.BlockStatement;
      const helper = block.path.type === 'PathExpression' ? (block.path as hbs.AST.PathExpression).original : 'block';
      if (block.program) uses.push(...partialsIn(block.program, within ?? helper));
      if (block.inverse) uses.push(...partialsIn(block.inverse, within ?? helper));
    }
  }
  return uses;
}

function sampleProblems(catalog: TemplateCatalog, template: CompiledTemplate, options: TemplateValidationOptions): TemplateProblem[] {
  const sample = template.sample;
  const customer = { ...SAMPLE_CUSTOMER, ...((sample.customer as object | undefined) ?? {}) };
  let rendered;
  try {
    rendered = renderMessage(catalog, {
      channel: template.channel,
      templateId: template.id,
      locale: template.locale,
      customer,
      offer: (sample.offer as Record<string, unknown> | undefined) ?? {},
      content: (sample.content as Record<string, unknown> | undefined) ?? {},
      unsubscribeUrl: `https://relance.example/u/u1.${catalog.merchant.id}.customer.email.message.signature`,
      stopNumber: options.stopNumber ?? '36000',
    });
  } catch (failure) {
    if (failure instanceof TemplateRenderError) {
      return [error(template.file, failure.line ?? 1, `with its sample data: ${failure.reason}`)];
    }
    throw failure;
  }
  if (rendered.channel === 'sms' || rendered.channel === 'rcs') {
    const budget = options.smsSegments ?? DEFAULT_SMS_SEGMENT_BUDGET;
    const { segments, encoding, nonGsmCharacters } = rendered.segments;
    const line = template.parts.body?.section.firstLine ?? 1;
    const problems: TemplateProblem[] = [];
    if (segments > budget.refuseAbove) {
      problems.push(error(template.file, line, `${segments} SMS segments (${encoding}) with the sample data: at most ${budget.refuseAbove}`));
    } else if (segments > budget.warnAbove) {
      problems.push({ file: template.file, line, severity: 'warning', message: `${segments} SMS segments (${encoding}) with the sample data: each one is billed` });
    }
    if (encoding === 'UCS-2') {
      problems.push({
        file: template.file,
        line,
        severity: 'warning',
        message: `${nonGsmCharacters.map((c) => JSON.stringify(c)).join(' ')} ${nonGsmCharacters.length > 1 ? 'are' : 'is'} not GSM-7: the SMS is sent as UCS-2, 70 characters a segment instead of 160`,
      });
    }
    return problems;
  }
  if (rendered.channel === 'postal') {
    try {
      printable(`${rendered.subject ?? ''} ${rendered.body}`.replace(/\s/g, ' '));
    } catch (failure) {
      return [error(template.file, template.parts.body?.section.firstLine ?? 1, (failure as Error).message)];
    }
  }
  return [];
}

function error(file: string, line: number, message: string): TemplateProblem {
  return { file, line, severity: 'error', message };
}

/** The `offer.*` values a template reads (outside `#each`/`#with` blocks), for checking what a campaign provides. */
export function offerFieldsOf(template: CompiledTemplate): string[] {
  return fieldsOf(template, 'offer');
}

/** The `content.*` values a template reads: each must be in the campaign's `actions.message.content`. */
export function contentFieldsOf(template: CompiledTemplate): string[] {
  return fieldsOf(template, 'content');
}

function fieldsOf(template: CompiledTemplate, root: 'offer' | 'content'): string[] {
  const fields = new Set<string>();
  const prefix = `${root}.`;
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record.type === 'PathExpression' && typeof record.original === 'string' && record.original.startsWith(prefix)) {
      fields.add(root === 'content' ? record.original.slice(prefix.length).split('.')[0]! : record.original.slice(prefix.length));
    }
    for (const value of Object.values(record)) {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object' && value !== record.loc) visit(value);
    }
  };
  for (const part of Object.values(template.parts)) visit(part.ast);
  return [...fields].sort();
}
