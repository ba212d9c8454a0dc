import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import { CHANNELS, type Channel } from '@relance/domain';
import type { PartKind, TemplatePart } from './partials.js';
import { compileOptions, environment } from './template-engine.js';
import { parseTemplateFile, type Section } from './template-file.js';

/** The merchant as rendering needs it; a merchant's config (merchant.yaml) has these fields. */
export interface MerchantProfile {
  readonly id: string;
  readonly name: string;
  readonly locale: string;
  readonly timeZone: string;
  readonly currency: string;
  /** Sells alcohol: its marketing templates must carry the Loi Évin warning. */
  readonly alcohol: boolean;
}

export interface TemplateProblem {
  readonly file: string;
  readonly line: number;
  readonly severity: 'error' | 'warning';
  readonly message: string;
}

export function formatTemplateProblem(problem: TemplateProblem): string {
  return `${problem.file}:${problem.line}: ${problem.severity === 'warning' ? 'warning: ' : ''}${problem.message}`;
}

export interface CompiledPart {
  readonly kind: PartKind;
  readonly section: Section;
  readonly ast: hbs.AST.Program;
  readonly render: Handlebars.TemplateDelegate;
}

export interface CompiledTemplate {
  readonly channel: Channel;
  readonly id: string;
  readonly locale: string;
  readonly file: string;
  /** sha256 of the file, first 16 hex digits: what MessageQueued records as the template version. */
  readonly version: string;
  readonly parts: Partial<Record<TemplatePart, CompiledPart>>;
  readonly sample: Record<string, unknown>;
}

const TEMPLATE_ID = /^[a-z0-9][a-z0-9-]{0,99}$/;
const LOCALE = /^[a-z]{2}-[A-Z]{2}$/;
const compiled = new Map<string, CompiledTemplate>();

/**
 * A merchant's templates, `<dir>/<channel>/<locale>/<template>.hbs`, parsed and compiled once:
 * loading again a file whose content has not changed reuses its compiled template. Files that do
 * not parse are left out and reported; `validateMerchantTemplates` checks the rest further.
 */
export class TemplateCatalog {
  private constructor(
    readonly merchant: MerchantProfile,
    readonly dir: string,
    private readonly templates: ReadonlyMap<string, CompiledTemplate>,
  ) {}

  static async load(dir: string, merchant: MerchantProfile): Promise<{ catalog: TemplateCatalog; problems: TemplateProblem[] }> {
    const problems: TemplateProblem[] = [];
    const templates = new Map<string, CompiledTemplate>();
    const channels = await readdir(dir, { withFileTypes: true }).catch(() => null);
    if (channels === null) {
      problems.push({ file: dir, line: 1, severity: 'error', message: 'no templates folder (templates/<channel>/<locale>/<template>.hbs)' });
      return { catalog: new TemplateCatalog(merchant, dir, templates), problems };
    }
    for (const channelEntry of channels.filter((e) => e.isDirectory()).sort(byName)) {
      const channel = channelEntry.name as Channel;
      const channelDir = path.join(dir, channelEntry.name);
      if (!CHANNELS.includes(channel)) {
        problems.push({ file: channelDir, line: 1, severity: 'error', message: `unknown channel folder (channels: ${CHANNELS.join(', ')})` });
        continue;
      }
      for (const localeEntry of (await readdir(channelDir, { withFileTypes: true })).filter((e) => e.isDirectory()).sort(byName)) {
        const localeDir = path.join(channelDir, localeEntry.name);
        if (!LOCALE.test(localeEntry.name)) {
          problems.push({ file: localeDir, line: 1, severity: 'error', message: 'not a locale folder (such as fr-FR)' });
          continue;
        }
        for (const name of (await readdir(localeDir)).filter((n) => n.endsWith('.hbs')).sort()) {
          const file = path.join(localeDir, name);
          const id = name.slice(0, -'.hbs'.length);
          if (!TEMPLATE_ID.test(id)) {
            problems.push({ file, line: 1, severity: 'error', message: 'template name: lower-case letters, digits and "-"' });
            continue;
          }
          const loaded = compileFile(file, channel, id, localeEntry.name, await readFile(file, 'utf8'));
          problems.push(...loaded.problems);
          if (loaded.template) templates.set(key(channel, id, localeEntry.name), loaded.template);
        }
      }
    }
    return { catalog: new TemplateCatalog(merchant, dir, templates), problems };
  }

  /**
   * The template to render: in the locale asked for, else in the merchant's; an RCS message without
   * an RCS template uses the SMS one (its text is the SMS fallback anyway). Null when there is none.
   */
  get(channel: Channel, id: string, locale?: string | null): CompiledTemplate | null {
    const locales = [locale, this.merchant.locale].filter((l): l is string => typeof l === 'string');
    const channels: Channel[] = channel === 'rcs' ? ['rcs', 'sms'] : [channel];
    for (const c of channels) {
      for (const l of locales) {
        const found = this.templates.get(key(c, id, l));
        if (found) return found;
      }
    }
    return null;
  }

  list(): CompiledTemplate[] {
    return [...this.templates.values()];
  }
}

function compileFile(file: string, channel: Channel, id: string, locale: string, content: string): { template: CompiledTemplate | null; problems: TemplateProblem[] } {
  const version = createHash('sha256').update(content).digest('hex').slice(0, 16);
  const cacheKey = `${file}:${channel}:${version}`;
  const cached = compiled.get(cacheKey);
  if (cached) return { template: cached, problems: [] };
  const parsed = parseTemplateFile(channel, content);
  const problems: TemplateProblem[] = parsed.problems.map((p) => ({ file, line: p.line, severity: 'error', message: p.message }));
  if (!parsed.template) return { template: null, problems };
  const parts: Partial<Record<TemplatePart, CompiledPart>> = {};
  for (const [part, section] of Object.entries(parsed.template.parts) as [TemplatePart, Section][]) {
    const kind: PartKind = channel === 'postal' ? 'letter' : part === 'html' ? 'html' : 'plain';
    const env = environment(channel, kind, locale);
    try {
      const ast = env.parse(section.source);
      parts[part] = { kind, section, ast, render: env.compile(ast, compileOptions(kind)) };
    } catch (error) {
      const message = (error as Error).message;
      const line = Number(/on line (\d+)/.exec(message)?.[1] ?? 1);
      problems.push({ file, line: section.firstLine + line - 1, severity: 'error', message: `${part}: ${message.split('\n')[0]} ${message.split('\n').slice(-1)[0] ?? ''}`.trim() });
    }
  }
  if (problems.length > 0) return { template: null, problems };
  const template: CompiledTemplate = { channel, id, locale, file, version, parts, sample: parsed.template.sample };
  compiled.set(cacheKey, template);
  return { template, problems };
}

function key(channel: string, id: string, locale: string): string {
  return `${channel}/${locale}/${id}`;
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name.localeCompare(b.name);
}
