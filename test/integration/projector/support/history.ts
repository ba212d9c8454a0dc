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
    { type: 'PurchaseRefunded', data: { purchaseId: 'X-1', refundId: 'RF-2', customerId: null, storeId: 'croix-rousse', lines: [{ lineNo: 2, quantity: 1, amountCents: 900 }], amountCents: 900, reason: null, refundedAt: '2026-01-11T11:00:00.000Z' } },
  ], '2026-01-11T11:00:00.000Z');

  await writeCampaign(shop);
}

async function writeCampaign(shop: Shop): Promise<void> {
  const at = (minute: number) => `2026-02-15T10:${String(minute).padStart(2, '0')}:00.000Z`;
  const triggered = (customerId: string, messageId: string | null, controlGroup: boolean): DomainEvent => ({
    type: 'CampaignTriggered',
    data: {
      campaignId: 'relance-hiver',
      ruleVersion: 'h1',
      customerId,
      trigger: { kind: 'time', eventId: null, eventType: null, description: 'inactive for 30 days' },
      conditions: [{ expression: 'customer.tier != "connaisseur"', value: 'amateur', passed: true }],
      controlGroup,
      variant: 'A',
      messageId,
      triggeredAt: at(0),
    },
  });
  await shop.append(`campaign-${shop.merchantId}.relance-hiver`, [triggered('alice', 'M-1', false), triggered('bob', 'M-2', false), triggered('bob2', null, true)], at(0));
  await shop.append(`campaign-${shop.merchantId}.relance-hiver`, [
    { type: 'MessageSuppressed', data: { campaignId: 'relance-hiver', ruleVersion: 'h1', customerId: 'chloe', messageId: null, channel: 'sms', reason: 'erased', detail: null, suppressedAt: at(0) } },
    { type: 'MessageSuppressed', data: { campaignId: 'relance-hiver', ruleVersion: 'h1', customerId: 'dora', messageId: null, channel: 'sms', reason: 'no-consent', detail: 'sms marketing not granted', suppressedAt: at(0) } },
  ], at(0));
  const queued = (messageId: string, customerId: string): DomainEvent => ({
    type: 'MessageQueued',
    data: { messageId, campaignId: 'relance-hiver', customerId, channel: 'email', templateId: 'relance', templateVersion: '3', locale: 'fr-FR', scheduledFor: null, estimatedCostCents: 1, queuedAt: at(1) },
  });
  await shop.append(message(shop, 'M-1'), [
    queued('M-1', 'alice'),
    { type: 'MessageSent', data: { messageId: 'M-1', channel: 'email', provider: 'sendgrid', providerMessageId: 'sg-1', units: 1, costCents: 1, sentAt: at(2) } },
    { type: 'MessageDelivered', data: { messageId: 'M-1', providerStatus: 'delivered', deliveredAt: at(3) } },
    { type: 'MessageOpened', data: { messageId: 'M-1', openedAt: at(10) } },
    { type: 'MessageClicked', data: { messageId: 'M-1', url: 'https://cave.example/offre', clickedAt: at(11) } },
    { type: 'MessageClicked', data: { messageId: 'M-1', url: 'https://cave.example/offre', clickedAt: at(12) } },
  ], at(1));
  await shop.append(message(shop, 'M-2'), [
    queued('M-2', 'bob'),
    { type: 'MessageSent', data: { messageId: 'M-2', channel: 'email', provider: 'sendgrid', providerMessageId: 'sg-2', units: 1, costCents: 1, sentAt: at(2) } },
    { type: 'MessageDelivered', data: { messageId: 'M-2', providerStatus: 'delivered', deliveredAt: at(3) } },
  ], at(1));
  // A late bounce report after the delivery receipt: recorded, but the message stays delivered.
  await shop.append(message(shop, 'M-2'), [
    { type: 'MessageFailed', data: { messageId: 'M-2', permanent: true, code: '550', reason: 'mailbox full', failedAt: at(20) } },
  ], at(20));
  await shop.append(`campaign-${shop.merchantId}.relance-hiver`, [
    { type: 'OfferRedeemed', data: { campaignId: 'relance-hiver', messageId: 'M-1', customerId: 'alice', purchaseId: 'A-9', offerCode: 'HIVER10', discountCents: 1000, redeemedAt: at(30) } },
  ], at(30));
}
