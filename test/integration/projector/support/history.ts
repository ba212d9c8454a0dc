import { streams, type CustomersMergedV2, type DomainEvent } from '@relance/domain';
import type { z } from 'zod';
import { line, type Shop } from './shop.js';

const message = (shop: Shop, id: string) => streams.message(shop.merchantId, id);

/** A merchant's life touching every read model: customers, consents, sales, points, tiers, messages. */
export async function writeHistory(shop: Shop): Promise<void> {
  await shop.enrol('alice', '2025-12-31T23:30:00.000Z');
  await shop.do('alice', { type: 'GrantConsent', data: { channel: 'email', purpose: 'marketing', source: 'web', proof: { doubleOptInToken: 'tok-1', ip: 'pii:v1:aXY:aXA' } } }, '2026-01-01T08:00:00.000Z');
  await shop.purchase('alice', 'A-1', '2026-01-10T10:00:00.000Z', [line(1, 32000, { quantity: 2, unitPriceCents: 16000 }), line(2, 2500, { promo: true, category: 'champagne' })]);
  await shop.do('alice', { type: 'RefundPurchase', data: { purchaseId: 'A-1', refundId: 'RF-1', refundedAt: '2026-01-12T10:00:00.000Z', lines: [{ lineNo: 1, quantity: 1 }], storeId: 'halles', reason: 'bouchonné' } }, '2026-01-12T10:00:00.000Z');
  await shop.do('alice', { type: 'RecordVisit', data: { visitId: 'V-1', storeId: 'halles', kind: 'tasting', eventName: 'Dégustation Rhône', visitedAt: '2026-01-15T18:00:00.000Z' } }, '2026-01-15T18:00:00.000Z');

  await shop.enrol('bob', '2026-01-02T09:00:00.000Z');
  await shop.purchase('bob', 'B-1', '2026-01-03T23:30:00.000Z', [line(1, 120000)]);
  await shop.enrol('bob2', '2026-01-20T09:00:00.000Z');
  await shop.purchase('bob2', 'B-2', '2026-01-21T11:00:00.000Z', [line(1, 4000)]);
  const [merged] = await shop.do('bob2', { type: 'MergeInto', data: { survivorId: 'bob' } }, '2026-02-01T09:00:00.000Z');
  const { transferred, mergedAt } = merged!.data as z.infer<typeof CustomersMergedV2>;
  await shop.do('bob', { type: 'AbsorbCustomer', data: { mergedId: 'bob2', transferred, mergedAt } }, '2026-02-01T09:00:00.000Z');

  await shop.enrol('chloe', '2026-01-05T09:00:00.000Z');
  await shop.do('chloe', { type: 'GrantConsent', data: { channel: 'sms', purpose: 'marketing', source: 'pos', proof: { staffId: 'st-1', ip: 'pii:v1:aXY:aXA' } } }, '2026-01-05T09:00:00.000Z');
  await shop.erase('chloe', '2026-02-10T09:00:00.000Z');

  // An anonymous sale ("clients divers"), partly refunded on its own stream.
  const anonymous: DomainEvent[] = [
    { type: 'PurchaseRecorded', data: { purchaseId: 'X-1', customerId: null, storeId: 'croix-rousse', externalRef: 'caisse-42', channel: 'pos', currency: 'EUR', lines: [line(1, 1800), line(2, 900)], totalCents: 2700, rewardIdsUsed: [], purchasedAt: '2026-01-10T11:00:00.000Z' } },
  ];
  await shop.append(streams.anonymousSale(shop.merchantId, 'X-1'), anonymous, '2026-01-10T11:00:00.000Z');
  await shop.append(streams.anonymousSale(shop.merchantId, 'X-1'), [
    { type: 'PurchaseRefunded', data: { purchaseId: 'X-1', refundId: 'RF-2', customerId: null, storeId: 'croix-rousse', currency: 'EUR', lines: [{ lineNo: 2, quantity: 1, amountCents: 900 }], amountCents: 900, reason: null, refundedAt: '2026-01-11T11:00:00.000Z' } },
  ], '2026-01-11T11:00:00.000Z');

  await writeCampaign(shop);
}

async function writeCampaign(shop: Shop): Promise<void> {
  const at = (minute: number) => `2026-02-15T10:${String(minute).padStart(2, '0')}:00.000Z`;
  const campaign = streams.campaign(shop.merchantId, 'relance-hiver');
  const trigger = { kind: 'time', type: 'inactivity', eventId: null, eventType: null, schedule: 'inactivity, 30 days, at 10:00', period: '2026-01-16', description: 'inactive for 30 days' } as const;
  const conditions = [{ expression: 'customer.tier != "connaisseur"', value: { 'customer.tier': 'amateur' }, passed: true, error: null }];
  const triggered = (customerId: string, messageId: string | null, controlGroup: boolean): DomainEvent => ({
    type: 'CampaignTriggered',
    data: {
      campaignId: 'relance-hiver',
      ruleVersion: 'h1',
      customerId,
      trigger,
      conditions,
      controls: [{ control: 'control-group', value: controlGroup ? 412 : 8120, passed: !controlGroup, detail: 'bucket < 1000 (10 %) is the control group' }],
      controlGroup,
      variant: 'A',
      channel: messageId === null ? null : 'email',
      channelReasons: messageId === null ? [] : [{ channel: 'email', usable: true, reason: 'usable', detail: null }],
      messageId,
      actions: { bonusPoints: null, voucherId: null },
      triggeredAt: at(0),
    },
  });
  const suppressed = (customerId: string, reason: 'erased' | 'no-consent', detail: string | null): DomainEvent => ({
    type: 'MessageSuppressed',
    data: {
      campaignId: 'relance-hiver', ruleVersion: 'h1', customerId, messageId: null, channel: 'sms', reason, detail, trigger, conditions: reason === 'erased' ? [] : conditions, controls: [],
      channelReasons: reason === 'erased' ? [] : [{ channel: 'sms', usable: false, reason: 'no-consent', detail: 'sms marketing not granted' }], suppressedAt: at(0),
    },
  });
  await shop.append(campaign, [triggered('alice', 'M-1', false), triggered('bob', 'M-2', false), triggered('bob2', null, true)], at(0));
  await shop.append(campaign, [suppressed('chloe', 'erased', null), suppressed('dora', 'no-consent', 'sms marketing not granted')], at(0));
  const queued = (messageId: string, customerId: string): DomainEvent => ({
    type: 'MessageQueued',
    data: {
      messageId, campaignId: 'relance-hiver', ruleVersion: 'h1', customerId, channel: 'email', fallbackChannels: [], purpose: 'marketing', templateId: 'relance', templateVersion: '3',
      locale: 'fr-FR', scheduledFor: null, currency: 'EUR', estimatedCostCents: 1, voucher: { voucherId: `v-${messageId}`, code: 'HIVER-10AB' }, queuedAt: at(1),
    },
  });
  const m1 = { messageId: 'M-1', campaignId: 'relance-hiver', customerId: 'alice' };
  await shop.append(message(shop, 'M-1'), [
    queued('M-1', 'alice'),
    { type: 'MessageSent', data: { ...m1, channel: 'email', provider: 'sendgrid', providerMessageId: 'sg-1', units: 1, currency: 'EUR', costCents: 1, sentAt: at(2) } },
    { type: 'MessageDelivered', data: { ...m1, providerStatus: 'delivered', deliveredAt: at(3) } },
    { type: 'MessageOpened', data: { ...m1, openedAt: at(10) } },
    { type: 'MessageClicked', data: { ...m1, url: 'https://cave.example/offre', clickedAt: at(11) } },
    { type: 'MessageClicked', data: { ...m1, url: 'https://cave.example/offre', clickedAt: at(12) } },
  ], at(1));
  const m2 = { messageId: 'M-2', campaignId: 'relance-hiver', customerId: 'bob' };
  await shop.append(message(shop, 'M-2'), [
    queued('M-2', 'bob'),
    { type: 'MessageSent', data: { ...m2, channel: 'email', provider: 'sendgrid', providerMessageId: 'sg-2', units: 1, currency: 'EUR', costCents: 1, sentAt: at(2) } },
    { type: 'MessageDelivered', data: { ...m2, providerStatus: 'delivered', deliveredAt: at(3) } },
  ], at(1));
  // A late bounce report after the delivery receipt: recorded, but the message stays delivered.
  await shop.append(message(shop, 'M-2'), [
    { type: 'MessageFailed', data: { ...m2, permanent: true, code: '550', reason: 'mailbox full', failedAt: at(20) } },
  ], at(20));
  // Alice uses the voucher her message carried: the redemption names the campaign.
  await shop.append(streams.customer(shop.merchantId, 'alice'), [
    { type: 'VoucherRedeemed', data: { customerId: 'alice', voucherId: 'v-M-1', code: 'HIVER-10AB', campaignId: 'relance-hiver', purchaseId: 'A-9', currency: 'EUR', discountCents: 1000, redeemedAt: at(30) } },
  ], at(30));
}
