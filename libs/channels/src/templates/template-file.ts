import { parse as parseYaml } from 'yaml';
import type { Channel } from '@relance/domain';
import type { TemplatePart } from './partials.js';

/**
 * A template file: `--- <section> ---` lines split it into its parts. An email has `subject`,
 * `html` and `text`; an SMS or RCS template is its `body` (the markers may then be left out); a
 * letter has a `body` and may have a `subject` (its "Objet :" line). Any template may end with a
 * `sample` section: YAML values of `offer`, `content` (and `customer`) that validation and previews
 * render it with, and that say what the template expects from the decision and from the campaign.
 */
export interface TemplateSource {
  readonly parts: Partial<Record<TemplatePart, Section>>;
  readonly sample: Record<string, unknown>;
}

export interface Section {
  readonly source: string;
  /** Line of the file where the section's first line is. */
  readonly firstLine: number;
}

export interface SourceProblem {
  readonly line: number;
  readonly message: string;
}

const MARKER = /^---\s*([a-z]+)\s*---\s*$/;
const ALLOWED: Record<Channel, { required: TemplatePart[]; optional: TemplatePart[] }> = {
  email: { required: ['subject', 'html', 'text'], optional: [] },
  sms: { required: ['body'], optional: [] },
  rcs: { required: ['body'], optional: [] },
  postal: { required: ['body'], optional: ['subject'] },
};

export function parseTemplateFile(channel: Channel, content: string): { template: TemplateSource | null; problems: SourceProblem[] } {
  const lines = content.replace(/\r\n/g, '\n').split('\n');
  const problems: SourceProblem[] = [];
  const sections = new Map<string, { start: number; lines: string[] }>();
  let current: { start: number; lines: string[] } | null = null;
  lines.forEach((line, index) => {
    const marker = MARKER.exec(line);
    if (marker?.[1]) {
      const name = marker[1];
      if (sections.has(name)) problems.push({ line: index + 1, message: `section "${name}" appears twice` });
      current = { start: index + 2, lines: [] };
      sections.set(name, current);
    } else if (current) {
      current.lines.push(line);
    } else if (line.trim() !== '') {
      if (channel === 'sms' || channel === 'rcs') {
        current = { start: index + 1, lines: [line] };
        sections.set('body', current);
      } else {
        problems.push({ line: index + 1, message: `text before the first section: start with "--- ${ALLOWED[channel].required[0]} ---"` });
        current = { start: index + 1, lines: [line] };
      }
    }
  });
  const { required, optional } = ALLOWED[channel];
  const parts: Partial<Record<TemplatePart, Section>> = {};
  for (const [name, section] of sections) {
    if (name === 'sample') continue;
    if (!(required as string[]).includes(name) && !(optional as string[]).includes(name)) {
      problems.push({ line: section.start - 1, message: `unknown section "${name}" for ${channel} (sections: ${[...required, ...optional, 'sample'].join(', ')})` });
      continue;
    }
    parts[name as TemplatePart] = { source: section.lines.join('\n'), firstLine: section.start };
  }
  for (const name of required) {
    if (!parts[name] || parts[name].source.trim() === '') problems.push({ line: 1, message: `the "${name}" section is missing or empty` });
  }
  let sample: Record<string, unknown> = {};
  const sampleSection = sections.get('sample');
  if (sampleSection) {
    try {
      const parsed: unknown = parseYaml(sampleSection.lines.join('\n'));
      if (parsed === null || parsed === undefined) sample = {};
      else if (typeof parsed === 'object' && !Array.isArray(parsed)) sample = parsed as Record<string, unknown>;
      else problems.push({ line: sampleSection.start, message: 'the sample section must be YAML keys (offer:, content:, customer:)' });
    } catch (error) {
      const line = (error as { linePos?: { line: number }[] }).linePos?.[0]?.line ?? 1;
      const message = ((error as Error).message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      problems.push({ line: sampleSection.start + line - 1, message: `sample: ${message}` });
    }
  }
  return { template: problems.length === 0 ? { parts, sample } : null, problems };
}
