import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { streams, type DomainEvent } from '@relance/domain';
import { messagingProjection } from '../../../apps/projector/src/projections/messaging.projection.js';
import { writeHistory } from './support/history.js';
import { projectorEnv, rowsOf, type ProjectorEnv } from './support/projector-env.js';
import { Shop } from './support/shop.js';

describe('messaging read model: messages, decision audit, campaign results', () => {
  let env: ProjectorEnv;
  let shop: Shop;
  beforeAll(async () => {
    env = await projectorEnv('messaging');
    shop = await Shop.open(env);
    await writeHistory(shop);
    await env.project([messagingProjection], { batchSize: 4 });
  });
  afterAll(async () => env.close());

  it('moves a message forward only: a bounce after the delivery receipt leaves it delivered', async () => {
    const messages = await rowsOf(env.pool, 'messages', shop.merchantId);
    expect(messages.find((m) => m.message_id === 'M-1')).toMatchObject({
      status: 'delivered', campaign_id: 'relance-hiver', customer_id: 'alice', provider_message_id: 'sg-1',
      opened_at: '2026-02-15T10:10:00+00:00', clicked_at: '2026-02-15T10:11:00+00:00', clicks: 2, cost_cents: 1, currency: 'EUR',
    });
    expect(messages.find((m) => m.message_id === 'M-2')).toMatchObject({
      status: 'delivered', status_rank: 4, failed_at: '2026-02-15T10:20:00+00:00', failure_code: '550', failure_permanent: true,
    });
  });

  it('lets a failure outrank "sent", and never lets "sent" come back over it', async () => {
    const at = '2026-03-01T10:00:00.000Z';
    const m3 = { messageId: 'M-3', campaignId: 'relance-hiver', customerId: 'bob' };
    await shop.append(streams.message(shop.merchantId, 'M-3'), [
      { type: 'MessageQueued', data: { ...m3, ruleVersion: 'h1', channel: 'sms', fallbackChannels: [], purpose: 'marketing', templateId: 't', templateVersion: '1', locale: 'fr-FR', scheduledFor: null, currency: 'EUR', estimatedCostCents: 7, voucher: null, queuedAt: at } },
      { type: 'MessageSent', data: { ...m3, channel: 'sms', provider: 'twilio', providerMessageId: 'SM1', units: 2, currency: 'EUR', costCents: 14, sentAt: at } },
      { type: 'MessageFailed', data: { ...m3, permanent: true, code: '30005', reason: 'unknown destination', failedAt: at } },
    ], at);
    await env.project([messagingProjection]);
    await shop.append(streams.message(shop.merchantId, 'M-3'), [
      { type: 'MessageSent', data: { ...m3, channel: 'sms', provider: 'twilio', providerMessageId: 'SM2', units: 2, currency: 'EUR', costCents: 14, sentAt: at } },
    ], at);
    await env.project([messagingProjection]);
    const [row] = (await rowsOf(env.pool, 'messages', shop.merchantId)).filter((m) => m.message_id === 'M-3');
    expect(row).toMatchObject({ status: 'failed', status_rank: 3, cost_cents: 28, units: 2 });
  });

  it('keeps every decision with its conditions or its reason', async () => {
    const audit = await rowsOf(env.pool, 'decision_audit', shop.merchantId);
    expect(audit.filter((a) => a.kind === 'triggered')).toHaveLength(3);
    expect(audit.find((a) => a.customer_id === 'alice')).toMatchObject({
      kind: 'triggered', rule_version: 'h1', message_id: 'M-1', control_group: false, variant: 'A', channel: 'email',
      conditions: [{ expression: 'customer.tier != "connaisseur"', value: { 'customer.tier': 'amateur' }, passed: true, error: null }],
      trigger: { kind: 'time', type: 'inactivity', period: '2026-01-16', description: 'inactive for 30 days' },
    });
    expect(audit.find((a) => a.customer_id === 'bob2')).toMatchObject({ kind: 'triggered', control_group: true, message_id: null, channel: null });
    expect(audit.find((a) => a.customer_id === 'dora')).toMatchObject({
      kind: 'suppressed', reason: 'no-consent', channel: 'sms', detail: 'sms marketing not granted',
      trigger: { kind: 'time', type: 'inactivity', period: '2026-01-16' },
      conditions: [{ expression: 'customer.tier != "connaisseur"', passed: true }],
    });
  });

  it('counts each campaign: triggered, control group, suppressed by reason, message states, cost, offers', async () => {
    const [results] = await rowsOf(env.pool, 'campaign_results', shop.merchantId);
    expect(results).toMatchObject({
      campaign_id: 'relance-hiver', triggered: 3, control_group: 1, suppressed: 2,
      queued: 3, sent: 3, delivered: 2, failed: 2, opened: 1, clicked: 1, cost_cents: 30,
      offers_redeemed: 1, offer_discount_cents: 1000,
    });
    const reasons = await rowsOf(env.pool, 'campaign_suppressions', shop.merchantId);
    expect(reasons.map((r) => [r.reason, r.count])).toEqual([['erased', 1], ['no-consent', 1]]);
  });

  it("audits delivery's suppression of a campaign message, and none for a transactional message", async () => {
    const at = '2026-03-02T10:00:00.000Z';
    const withdrawn = (messageId: string, campaignId: string | null): DomainEvent => ({
      type: 'MessageSuppressed',
      data: {
        campaignId, ruleVersion: campaignId === null ? null : 'h1', customerId: 'alice', messageId, channel: 'email', reason: 'no-consent',
        detail: 'email marketing withdrawn before sending', trigger: null, conditions: [], controls: [], channelReasons: [], suppressedAt: at,
      },
    });
    await shop.append(streams.message(shop.merchantId, 'M-4'), [withdrawn('M-4', 'relance-hiver')], at);
    await shop.append(streams.message(shop.merchantId, 'T-1'), [withdrawn('T-1', null)], at);
    await env.project([messagingProjection]);
    const audit = await rowsOf(env.pool, 'decision_audit', shop.merchantId);
    expect(audit.filter((a) => a.message_id === 'M-4')).toEqual([
      expect.objectContaining({ kind: 'suppressed', campaign_id: 'relance-hiver', rule_version: 'h1', reason: 'no-consent', trigger: null, conditions: [] }),
    ]);
    expect(audit.filter((a) => a.message_id === 'T-1')).toEqual([]);
    const reasons = await rowsOf(env.pool, 'campaign_suppressions', shop.merchantId);
    expect(reasons.map((r) => [r.reason, r.count])).toEqual([['erased', 1], ['no-consent', 2]]);
  });
});
