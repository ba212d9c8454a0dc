import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Channel } from '@relance/domain';

/** A template a campaign names, for one of its channels. */
export interface TemplateRequest {
  readonly merchantId: string;
  readonly channel: Channel;
  /** The merchant's locale (fr-FR): every template exists in it, the fallback of the others. */
  readonly locale: string;
  readonly templateId: string;
}

/**
 * Whether a template exists and is usable: null when it is, otherwise the problem, for the operator.
 * Validation calls this once per (campaign, channel). `relance rules validate` passes one backed by
 * the message templates' own validator (libs/channels); the default looks at the files.
 */
export type TemplateCheck = (request: TemplateRequest) => Promise<string | null>;

/**
 * The template files: config/merchants/<id>/templates/<channel>/<locale>/<templateId>.hbs. An RCS
 * message without an RCS template is sent with the SMS one (its text is the SMS fallback anyway).
 */
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
    for (const candidate of channel === 'rcs' ? (['rcs', 'sms'] as const) : [channel]) {
      const files = await list(path.join(configDir, 'merchants', merchantId, 'templates', candidate, locale));
      if (files.includes(`${templateId}.hbs`)) return null;
    }
    return missingTemplate({ channel, locale, templateId });
  };
}

export function missingTemplate({ channel, locale, templateId }: Pick<TemplateRequest, 'channel' | 'locale' | 'templateId'>): string {
  return `no ${channel} template "${templateId}" for ${locale} (expected templates/${channel}/${locale}/${templateId}.hbs beside campaigns.yaml)`;
}
