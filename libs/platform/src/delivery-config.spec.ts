import { describe, expect, it } from '@jest/globals';
import { loadDeliveryConfig } from './delivery-config.js';

const KEY = Buffer.alloc(32, 9);

function load(env: Record<string, string>, masterKey: Buffer | undefined = KEY) {
  const problems: string[] = [];
  return { config: loadDeliveryConfig(env, masterKey, problems), problems };
}

describe('delivery settings', () => {
  it('runs in capture mode with local defaults when no provider is configured', () => {
    const { config, problems } = load({});
    expect(problems).toEqual([]);
    expect(config.sendgrid).toBeUndefined();
    expect(config.twilio).toBeUndefined();
    expect(config.outboxDir).toMatch(/\.relance\/outbox$/);
    expect(config.rateLimits).toEqual({ email: { max: 2000, durationMs: 1000 }, text: { max: 500, durationMs: 1000 }, postal: { max: 50, durationMs: 1000 } });
    // Unsubscribe links are signed with a key derived from the master key: stable across restarts.
    expect(config.unsubscribeSecrets).toHaveLength(1);
    expect(load({}).config.unsubscribeSecrets).toEqual(config.unsubscribeSecrets);
    expect(load({}, Buffer.alloc(32, 1)).config.unsubscribeSecrets).not.toEqual(config.unsubscribeSecrets);
  });

  it('posts letters through Merci Facteur when its three credentials and its webhook secret are set, and says what is missing otherwise', () => {
    const complete = {
      MERCI_FACTEUR_SERVICE_ID: 'svc-1',
      MERCI_FACTEUR_SECRET_KEY: 'key',
      MERCI_FACTEUR_USER_ID: '17460',
      MERCI_FACTEUR_WEBHOOK_SECRET: 'hook-secret',
      MERCI_FACTEUR_BASE_URL: 'http://127.0.0.1:9000/api',
    };
    const { config, problems } = load(complete);
    expect(problems).toEqual([]);
    expect(config.merciFacteur).toEqual({ serviceId: 'svc-1', secretKey: 'key', userId: 17460, webhookSecret: 'hook-secret', baseUrl: 'http://127.0.0.1:9000/api', mode: 'normal', authorizedIp: undefined });
    expect(load({}).config.merciFacteur).toBeUndefined();
    expect(load({ MERCI_FACTEUR_SERVICE_ID: 'svc-1' }).problems).toEqual(['MERCI_FACTEUR_SERVICE_ID / MERCI_FACTEUR_SECRET_KEY / MERCI_FACTEUR_USER_ID: set the three or none']);
    expect(load({ ...complete, MERCI_FACTEUR_WEBHOOK_SECRET: '', MERCI_FACTEUR_USER_ID: 'me', MERCI_FACTEUR_MODE: 'express' }).problems).toEqual([
      'MERCI_FACTEUR_USER_ID: the Merci Facteur user\'s number (got "me")',
      "MERCI_FACTEUR_WEBHOOK_SECRET: required with MERCI_FACTEUR_SERVICE_ID (the account's webhook secret key)",
      'MERCI_FACTEUR_MODE: "normal" or "suivi" (got "express")',
    ]);
  });

  it('takes the providers when their credentials are complete', () => {
    const { config, problems } = load({
      SENDGRID_API_KEY: 'SG.x',
      SENDGRID_WEBHOOK_PUBLIC_KEY: 'MFkw',
      TWILIO_ACCOUNT_SID: 'AC1',
      TWILIO_AUTH_TOKEN: 'tok',
      TWILIO_MESSAGING_SERVICE_SID: 'MG1',
      DELIVERY_RATE_TEXT: '30/1',
      UNSUBSCRIBE_SECRETS: 'new-secret-0123456789, old-secret-0123456789',
    });
    expect(problems).toEqual([]);
    expect(config.sendgrid).toMatchObject({ apiKey: 'SG.x', webhookPublicKey: 'MFkw' });
    expect(config.twilio).toMatchObject({ accountSid: 'AC1', messagingServiceSid: 'MG1' });
    expect(config.rateLimits.text).toEqual({ max: 30, durationMs: 1000 });
    expect(config.unsubscribeSecrets).toEqual(['new-secret-0123456789', 'old-secret-0123456789']);
  });

  it('names every variable that is wrong or incomplete', () => {
    const { problems } = load({
      SENDGRID_API_KEY: 'SG.x',
      TWILIO_ACCOUNT_SID: 'AC1',
      DELIVERY_RATE_EMAIL: 'fast',
      DELIVERY_CONCURRENCY: '0',
      DELIVERY_WORKERS: 'maybe',
      UNSUBSCRIBE_SECRETS: 'short',
      PUBLIC_URL: 'ftp://engine',
      DELIVERY_QUEUE_PREFIX: 'a:b',
    });
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'SENDGRID_WEBHOOK_PUBLIC_KEY',
      'TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN',
      'TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM',
      'PUBLIC_URL',
      'UNSUBSCRIBE_SECRETS',
      'DELIVERY_RATE_EMAIL',
      'DELIVERY_WORKERS',
      'DELIVERY_CONCURRENCY',
      'DELIVERY_QUEUE_PREFIX',
    ]);
  });
});
