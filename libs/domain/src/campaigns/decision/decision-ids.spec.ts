import { describe, expect, it } from '@jest/globals';
import { VoucherCode } from '../../events/voucher.events.js';
import { decisionIds, decisionKey, formatVoucherCode } from './decision-ids.js';

describe('a decision key', () => {
  it('names merchant, campaign, customer and period, so two merchants never share an event id', () => {
    const occurrence = { customerId: 'C1', period: '2026-05-10' };
    expect(decisionKey('cave-a', 'anniversaire', occurrence)).toBe('cave-a|anniversaire|C1|2026-05-10');
    const a = decisionIds(decisionKey('cave-a', 'anniversaire', occurrence), '2026-05-03T08:00:00.000Z');
    const b = decisionIds(decisionKey('cave-b', 'anniversaire', occurrence), '2026-05-03T08:00:00.000Z');
    expect(new Set([a.decisionEventId, a.messageQueuedEventId, a.voucherIssuedEventId, a.challengeCompletedEventId, b.decisionEventId]).size).toBe(5);
    expect(a.messageId).not.toBe(b.messageId);
  });
});

describe('a voucher code', () => {
  it('reads out without confusable characters, and is valid for the catalog', () => {
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => i * 37);
    const code = formatVoucherCode('CAVE', bytes);
    expect(code).toMatch(/^CAVE-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);
    expect(VoucherCode.safeParse(code).success).toBe(true);
    expect(formatVoucherCode('CAVE', bytes)).toBe(code);
    expect(() => formatVoucherCode('cave', bytes)).toThrow(RangeError);
    expect(() => formatVoucherCode('CAVE', bytes.subarray(0, 8))).toThrow(RangeError);
  });
});
