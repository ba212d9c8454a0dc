import { Client } from '@sendgrid/client';
import { MailService } from '@sendgrid/mail';

export interface SendGridClientOptions {
  readonly apiKey: string;
  /** `eu` for an EU regional subuser (api.eu.sendgrid.com). */
  readonly region?: 'global' | 'eu';
  /** Another API root (a local server in tests). Unset in production. */
  readonly baseUrl?: string | null;
  readonly timeoutMs?: number;
}

/**
 * A `MailService` of its own (never the SDK's shared singleton), on a client built here: the SDK
 * resets its base URL whenever the API key or the region is set, so the base URL goes last.
 */
export function createSendGridMail(options: SendGridClientOptions): MailService {
  const client = new Client();
  client.setApiKey(options.apiKey);
  if (options.region === 'eu') client.setDataResidency('eu');
  if (options.baseUrl) client.setDefaultRequest('baseUrl', options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  const mail = new MailService();
  mail.setClient(client);
  mail.setTimeout(options.timeoutMs ?? 10_000);
  return mail;
}
