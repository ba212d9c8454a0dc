import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** A BullMQ limiter: at most `max` jobs started per `durationMs`, across every worker of the lane. */
export interface RateLimit {
  readonly max: number;
  readonly durationMs: number;
}

export type DeliveryLane = 'email' | 'text' | 'postal';

/**
 * How messages leave. Without SendGrid or Twilio credentials the engine runs in capture mode for that
 * channel: rendered messages are written to the outbox folder instead of being sent.
 */
export interface DeliveryConfig {
  /** Capture mode's folder: `<dir>/<merchant>/<channel>/<message>.eml|.txt|.pdf`. */
  readonly outboxDir: string;
  /** When set, letters are printed into batches there (a print shop collects them) instead of the outbox. */
  readonly printBatchDir: string | undefined;
  /** Letters posted by Merci Facteur when its credentials are set (before print batches and the outbox). */
  readonly merciFacteur:
    | {
        readonly serviceId: string;
        readonly secretKey: string;
        readonly userId: number;
        readonly webhookSecret: string;
        readonly baseUrl: string | undefined;
        readonly mode: 'normal' | 'suivi';
        readonly authorizedIp: string | undefined;
      }
    | undefined;
  readonly sendgrid: { readonly apiKey: string; readonly baseUrl: string | undefined; readonly webhookPublicKey: string } | undefined;
  readonly twilio:
    | { readonly accountSid: string; readonly authToken: string; readonly baseUrl: string | undefined; readonly messagingServiceSid: string | undefined; readonly from: string | undefined }
    | undefined;
  /** The engine's address as providers reach it: status callbacks are `<url>/v1/providers/twilio/status`. */
  readonly publicUrl: string;
  /** Signs unsubscribe links; derived from the master key when not set. */
  readonly unsubscribeSecrets: readonly string[];
  readonly rateLimits: Readonly<Record<DeliveryLane, RateLimit>>;
  /** Jobs one worker process runs at once, per lane. */
  readonly concurrency: number;
  /** Attempts of a job before it goes to the dead-letter list (the failed set). */
  readonly attempts: number;
  /** Whether this engine process runs the relay and the workers (replicas may leave it to others). */
  readonly workers: boolean;
  /** BullMQ's key prefix in Redis. */
  readonly queuePrefix: string;
  /** How long a job's lock lasts: a worker that died is noticed (its job retried) after about this long. */
  readonly lockSeconds: number;
}

type Env = Record<string, string | undefined>;

export const DELIVERY_DEFAULTS = {
  OUTBOX_DIR: '.relance/outbox',
  PUBLIC_URL: 'http://127.0.0.1:3000',
  DELIVERY_RATE_EMAIL: '2000/1',
  DELIVERY_RATE_TEXT: '500/1',
  DELIVERY_RATE_POSTAL: '50/1',
  DELIVERY_CONCURRENCY: '50',
  DELIVERY_ATTEMPTS: '8',
  DELIVERY_WORKERS: 'on',
  DELIVERY_QUEUE_PREFIX: 'relance',
  DELIVERY_LOCK_SECONDS: '30',
} as const;

export function loadDeliveryConfig(env: Env, masterKey: Buffer | undefined, problems: string[]): DeliveryConfig {
  const get = (name: keyof typeof DELIVERY_DEFAULTS): string => env[name]?.trim() || DELIVERY_DEFAULTS[name];
  const opt = (name: string): string | undefined => env[name]?.trim() || undefined;

  const sendgridKey = opt('SENDGRID_API_KEY');
  const sendgridWebhookKey = opt('SENDGRID_WEBHOOK_PUBLIC_KEY');
  if (sendgridKey && !sendgridWebhookKey) problems.push('SENDGRID_WEBHOOK_PUBLIC_KEY: required with SENDGRID_API_KEY (the Event Webhook verification key, base64)');
  const twilioSid = opt('TWILIO_ACCOUNT_SID');
  const twilioToken = opt('TWILIO_AUTH_TOKEN');
  if (!!twilioSid !== !!twilioToken) problems.push('TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN: set both or neither');
  const messagingServiceSid = opt('TWILIO_MESSAGING_SERVICE_SID');
  const from = opt('TWILIO_FROM');
  if (twilioSid && !messagingServiceSid && !from) problems.push('TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM: required with TWILIO_ACCOUNT_SID');

  const merciFacteur = loadMerciFacteur(opt, problems);

  const publicUrl = get('PUBLIC_URL').replace(/\/+$/, '');
  try {
    const parsed = new URL(publicUrl);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') problems.push(`PUBLIC_URL: must be an http(s) address (got "${publicUrl}")`);
  } catch {
    problems.push(`PUBLIC_URL: not a URL (got "${publicUrl}")`);
  }

  const secrets = (opt('UNSUBSCRIBE_SECRETS') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of secrets) if (s.length < 16) problems.push('UNSUBSCRIBE_SECRETS: each secret needs at least 16 characters');
  // The first signs; the others are still accepted while links signed with them circulate.
  if (secrets.length === 0 && masterKey) secrets.push(createHmac('sha256', masterKey).update('relance-unsubscribe-links').digest('base64url'));

  const lanes = { email: 'DELIVERY_RATE_EMAIL', text: 'DELIVERY_RATE_TEXT', postal: 'DELIVERY_RATE_POSTAL' } as const;
  const rateLimits = Object.fromEntries(
    Object.entries(lanes).map(([lane, name]) => [lane, rateLimit(get(name), name, problems)]),
  ) as Record<DeliveryLane, RateLimit>;

  const workers = get('DELIVERY_WORKERS');
  if (workers !== 'on' && workers !== 'off') problems.push(`DELIVERY_WORKERS: "on" or "off" (got "${workers}")`);

  return {
    outboxDir: path.resolve(get('OUTBOX_DIR')),
    printBatchDir: opt('PRINT_BATCH_DIR') ? path.resolve(opt('PRINT_BATCH_DIR')!) : undefined,
    merciFacteur,
    sendgrid: sendgridKey && sendgridWebhookKey ? { apiKey: sendgridKey, baseUrl: opt('SENDGRID_BASE_URL'), webhookPublicKey: readMaybeFile(sendgridWebhookKey) } : undefined,
    twilio: twilioSid && twilioToken ? { accountSid: twilioSid, authToken: twilioToken, baseUrl: opt('TWILIO_BASE_URL'), messagingServiceSid, from } : undefined,
    publicUrl,
    unsubscribeSecrets: secrets,
    rateLimits,
    concurrency: int(get('DELIVERY_CONCURRENCY'), 'DELIVERY_CONCURRENCY', 1, 1000, problems),
    attempts: int(get('DELIVERY_ATTEMPTS'), 'DELIVERY_ATTEMPTS', 1, 50, problems),
    workers: workers === 'on',
    queuePrefix: queuePrefix(get('DELIVERY_QUEUE_PREFIX'), problems),
    lockSeconds: int(get('DELIVERY_LOCK_SECONDS'), 'DELIVERY_LOCK_SECONDS', 1, 3600, problems),
  };
}

/** Service id, secret key and user id together, or none of them (letters then go to print batches or the outbox). */
function loadMerciFacteur(opt: (name: string) => string | undefined, problems: string[]): DeliveryConfig['merciFacteur'] {
  const serviceId = opt('MERCI_FACTEUR_SERVICE_ID');
  const secretKey = opt('MERCI_FACTEUR_SECRET_KEY');
  const user = opt('MERCI_FACTEUR_USER_ID');
  if (!serviceId && !secretKey && !user) return undefined;
  if (!serviceId || !secretKey || !user) {
    problems.push('MERCI_FACTEUR_SERVICE_ID / MERCI_FACTEUR_SECRET_KEY / MERCI_FACTEUR_USER_ID: set the three or none');
    return undefined;
  }
  const userId = Number(user);
  if (!/^\d{1,12}$/.test(user) || userId < 1) problems.push(`MERCI_FACTEUR_USER_ID: the Merci Facteur user's number (got "${user}")`);
  const webhookSecret = opt('MERCI_FACTEUR_WEBHOOK_SECRET');
  if (!webhookSecret) problems.push('MERCI_FACTEUR_WEBHOOK_SECRET: required with MERCI_FACTEUR_SERVICE_ID (the account\'s webhook secret key)');
  const mode = opt('MERCI_FACTEUR_MODE') ?? 'normal';
  if (mode !== 'normal' && mode !== 'suivi') problems.push(`MERCI_FACTEUR_MODE: "normal" or "suivi" (got "${mode}")`);
  const baseUrl = opt('MERCI_FACTEUR_BASE_URL');
  if (baseUrl && !/^https?:\/\/[^/]/.test(baseUrl)) problems.push(`MERCI_FACTEUR_BASE_URL: an http(s) address (got "${baseUrl}")`);
  return { serviceId, secretKey, userId, webhookSecret: webhookSecret ?? '', baseUrl, mode: mode === 'suivi' ? 'suivi' : 'normal', authorizedIp: opt('MERCI_FACTEUR_AUTHORIZED_IP') };
}

function queuePrefix(value: string, problems: string[]): string {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(value)) problems.push(`DELIVERY_QUEUE_PREFIX: letters, digits, "-" or "_" (got "${value}")`);
  return value;
}

/** "max/seconds": "2000/1" is 2,000 jobs a second. */
function rateLimit(value: string, name: string, problems: string[]): RateLimit {
  const match = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(value);
  if (!match || Number(match[1]) < 1 || Number(match[2]) <= 0) {
    problems.push(`${name}: "<max>/<seconds>", e.g. "100/1" for 100 a second (got "${value}")`);
    return { max: 1, durationMs: 1000 };
  }
  return { max: Number(match[1]), durationMs: Math.round(Number(match[2]) * 1000) };
}

function int(value: string, name: string, min: number, max: number, problems: string[]): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    problems.push(`${name}: must be an integer between ${min} and ${max} (got "${value}")`);
    return min;
  }
  return n;
}

/** A key given inline or as a path to a file holding it. */
function readMaybeFile(value: string): string {
  return value.startsWith('/') && existsSync(value) ? readFileSync(value, 'utf8').trim() : value;
}
