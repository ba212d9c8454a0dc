import { describe, expect, it } from '@jest/globals';
import type { ActiveCustomer, EventData } from '@relance/domain';
import { laneOf, deliveryJobId, parseDeliveryJobId } from './delivery-jobs.js';
import { sendTimeRefusal } from './message-delivery.js';

const queued = { channel: 'sms', purpose: 'marketing' } as EventData<'MessageQueued'>;
const active = (consents: ActiveCustomer['consents']) => ({ status: 'active', consents }) as unknown as ActiveCustomer;

describe('send-time refusal, on the customer as the stream holds them now', () => {
  it('lets a message go when its channel and purpose are consented', () => {
    expect(sendTimeRefusal(active([{ channel: 'sms', purpose: 'marketing', granted: true, source: 'pos', changedAt: '2026-12-01T10:00:00Z' }]), queued)).toBeNull();
  });

  it('suppresses for no consent when it was withdrawn, naming when, or never given for that purpose', () => {
    expect(sendTimeRefusal(active([{ channel: 'sms', purpose: 'marketing', granted: false, source: 'provider', changedAt: '2026-12-02T10:00:00Z' }]), queued)).toEqual({
      reason: 'no-consent',
      detail: 'sms consent (marketing) withdrawn at 2026-12-02T10:00:00Z',
    });
    expect(sendTimeRefusal(active([{ channel: 'sms', purpose: 'loyalty', granted: true, source: 'pos', changedAt: '2026-12-01T10:00:00Z' }]), queued)).toEqual({ reason: 'no-consent', detail: 'no sms consent (marketing)' });
  });

  it('suppresses as erased a customer erased, merged away or unknown', () => {
    expect(sendTimeRefusal({ status: 'erased', customerId: 'c' }, queued)?.reason).toBe('erased');
    expect(sendTimeRefusal({ status: 'merged', customerId: 'c', survivorId: 's' }, queued)).toEqual({ reason: 'erased', detail: 'the customer was merged into s' });
    expect(sendTimeRefusal({ status: 'unknown', retention: null }, queued)?.reason).toBe('erased');
  });
});

describe('lanes and job ids', () => {
  it('puts SMS and RCS in one lane (one provider), email and letters in theirs', () => {
    expect(['email', 'sms', 'rcs', 'postal'].map((c) => laneOf(c as never))).toEqual(['email', 'text', 'text', 'postal']);
  });

  it('names a job after its merchant and message, and reads them back', () => {
    const id = deliveryJobId({ merchantId: 'cave-demo', messageId: 'msg-abc' });
    expect(id).toBe('cave-demo.msg-abc');
    expect(parseDeliveryJobId(id)).toEqual({ merchantId: 'cave-demo', messageId: 'msg-abc' });
    expect(parseDeliveryJobId('nodot')).toBeNull();
  });
});
