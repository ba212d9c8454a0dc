import { describe, expect, it } from '@jest/globals';
import { defaultPrices, priceOf } from './costs.js';
import { classifyHttpFailure, nextRetryDelayMs, retryAfterMs, withoutPersonalData } from './send-failure.js';

const NOW = new Date('2026-12-03T09:00:00Z');

describe('the wait a provider asks for', () => {
  it('reads Retry-After in seconds or as a date, else the rate-limit reset', () => {
    expect(retryAfterMs({ 'Retry-After': '30' }, NOW)).toBe(30_000);
    expect(retryAfterMs({ 'retry-after': 'Thu, 03 Dec 2026 09:01:30 GMT' }, NOW)).toBe(90_000);
    expect(retryAfterMs({ 'x-ratelimit-reset': String(NOW.getTime() / 1000 + 12) }, NOW)).toBe(12_000);
    expect(retryAfterMs({ 'x-ratelimit-reset': '5' }, NOW)).toBe(5_000);
    expect(retryAfterMs({ 'retry-after': ['2'] }, NOW)).toBe(2_000);
    expect(retryAfterMs({ 'retry-after': 'soon' }, NOW)).toBeNull();
    expect(retryAfterMs({}, NOW)).toBeNull();
  });
});

describe("a provider's reason", () => {
  it('loses any address or number it quotes, and keeps the rest', () => {
    expect(withoutPersonalData('550 5.1.1 <jean.dupont@example.fr>: Recipient address rejected')).toBe('550 5.1.1 <<address>>: Recipient address rejected');
    expect(withoutPersonalData("The 'To' number +33 6 12 34 56 78 is not valid")).toBe("The 'To' number <number> is not valid");
    expect(withoutPersonalData('HTTP 429: too many requests (code 20429)')).toBe('HTTP 429: too many requests (code 20429)');
  });
});

describe('an HTTP failure', () => {
  it('is retryable for 429 and 5xx, permanent for any other 4xx', () => {
    expect(classifyHttpFailure('p', 'm', { status: 429, reason: 'slow down' }, NOW)).toMatchObject({ kind: 'retryable', outcomeUnknown: false });
    expect(classifyHttpFailure('p', 'm', { status: 502, reason: 'bad gateway' }, NOW)).toMatchObject({ kind: 'retryable', outcomeUnknown: true });
    expect(classifyHttpFailure('p', 'm', { status: 503, reason: 'down' }, NOW)).toMatchObject({ kind: 'retryable', outcomeUnknown: false });
    for (const status of [400, 401, 403, 404, 413, 422]) {
      expect(classifyHttpFailure('p', 'm', { status, reason: 'no' }, NOW)).toMatchObject({ kind: 'permanent', httpStatus: status, optedOut: false });
    }
  });
});

describe('the next retry', () => {
  const retryable = (retryAfter: number | null) => ({ kind: 'retryable', messageId: 'm', provider: 'p', code: '429', reason: '', httpStatus: 429, retryAfterMs: retryAfter, outcomeUnknown: false }) as const;

  it('waits what the provider asked, capped', () => {
    expect(nextRetryDelayMs(retryable(7_000), 0, 0.5)).toBe(7_000);
    expect(nextRetryDelayMs(retryable(3_600_000), 0, 0.5)).toBe(15 * 60_000);
  });

  it('else backs off exponentially with jitter, and never for a permanent outcome', () => {
    expect(nextRetryDelayMs(retryable(null), 0, 0)).toBe(1_000);
    expect(nextRetryDelayMs(retryable(null), 0, 0.999)).toBeLessThanOrEqual(2_000);
    expect(nextRetryDelayMs(retryable(null), 3, 0.999)).toBeGreaterThan(15_000);
    expect(nextRetryDelayMs(retryable(null), 30, 0.999)).toBeLessThanOrEqual(15 * 60_000);
    expect(nextRetryDelayMs({ ...retryable(null), kind: 'permanent', optedOut: false, invalidRecipient: false } as never, 0, 0.5)).toBeNull();
  });
});

describe('prices', () => {
  it('are exact per thousand and rounded half up per message', () => {
    const prices = defaultPrices('EUR');
    expect(priceOf(prices, 'email', 1)).toEqual({ channel: 'email', units: 1, cost: { amountMinor: 0, currency: 'EUR' }, milliMinor: 100 });
    expect(priceOf(prices, 'email', 5).cost.amountMinor).toBe(1);
    expect(priceOf(prices, 'sms', 3)).toMatchObject({ units: 3, cost: { amountMinor: 21 }, milliMinor: 21_000 });
    expect(priceOf(prices, 'postal', 1, 2)).toMatchObject({ units: 3, cost: { amountMinor: 250 } });
  });

  it('have no default outside EUR: another currency must configure its own', () => {
    expect(() => defaultPrices('GBP')).toThrow('No default channel prices in GBP');
  });
});
