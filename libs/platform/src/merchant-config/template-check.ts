import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Channel } from '@relance/domain';

/** A template a campaign names, for one of its channels. */
export interface TemplateRequest {
  readonly merchantId: string;
  readonly channel: Channel;
  /** The merchant's locale (fr-FR): a template for it, or for its language (fr), is found. */
  readonly locale: string;
  readonly templateId: string;
}

/**
 * Whether a template exists and is usable: null when it is, otherwise the problem, for the operator.
 * Validation calls this once per (campaign, channel); the message renderer's own validator plugs in
 * here.
 */
export type TemplateCheck = (request: TemplateRequest) => Promise<string | null>;

/** The template files: config/merchants/<id>/templates/<channel>/<locale>/<templateId>.<ext>. */
export function templateCheckOnDisk(configDir: string): TemplateCheck {
  const listings = new Map<string, Promise<readonly string[]>>();
  const list = (dir: string) => {
    let files = listings.get(dir);
    if (!files) {
      files = readdir(dir).catch(() => []);
      listings.set(dir, files);
    }
    return files;
  };
  return async ({ merchantId, channel, locale, templateId }) => {
    const base = path.join(configDir, 'merchants', merchantId, 'templates', channel);
    const locales = [...new Set([locale, locale.split('-')[0]!])];
    for (const candidate of locales) {
      const files = await list(path.join(base, candidate));
      if (files.some((f) => f.startsWith(`${templateId}.`))) return null;
    }
    const relative = path.join('templates', channel, locale, `${templateId}.<ext>`);
    return `no ${channel} template "${templateId}" for ${locale} (expected ${relative} beside campaigns.yaml)`;
  };
}
