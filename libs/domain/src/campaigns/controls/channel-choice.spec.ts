import { describe, expect, it } from '@jest/globals';
import { contact } from '../campaign.fixtures.js';
import type { Channel } from '../../events/primitives.js';
import { chooseChannel, type ChannelChoiceInput } from './channel-choice.js';
import { evaluateCaps, type ContactRecord } from './frequency-caps.js';

const NOW = '2026-03-20T10:00:00.000Z';
const ALL: ReadonlySet<Channel> = new Set(['email', 'sms', 'rcs', 'postal']);
const daysAgo = (days: number) => new Date(Date.parse(NOW) - days * 86_400_000).toISOString();
const sent = (campaignId: string, channel: Channel, days: number): ContactRecord => ({ campaignId, channel, at: daysAgo(days) });

function choose(fields: Partial<ChannelChoiceInput>) {
  return chooseChannel({ preference: ['rcs', 'sms', 'email'], purpose: 'marketing', contact: contact(), templates: ALL, caps: [], history: [], now: NOW, ...fields });
}

describe('frequency caps', () => {
  const caps = [{ max: 2, days: 7, channel: null }, { max: 1, days: 7, channel: 'sms' as const }];

  it('count the marketing messages of the last 7 × 24 hours, naming their campaigns', () => {
    const history = [sent('bienvenue', 'email', 6.9), sent('anniversaire', 'sms', 2), sent('vieux', 'sms', 7.1)];
    expect(evaluateCaps(caps, history, NOW, null)).toEqual([{ cap: caps[0], count: 2, passed: false, campaigns: ['anniversaire', 'bienvenue'] }]);
    expect(evaluateCaps(caps, history, NOW, 'sms')).toEqual([{ cap: caps[1], count: 1, passed: false, campaigns: ['anniversaire'] }]);
    expect(evaluateCaps(caps, [sent('vieux', 'sms', 7.1)], NOW, null)[0]).toMatchObject({ count: 0, passed: true });
  });
});

describe('the channel of a message', () => {
  it('is the first of the preference that is consented and reachable; each channel says why', () => {
    expect(choose({ contact: contact(['sms', 'email']) })).toEqual({
      channel: 'sms',
      fallback: [],
      reasons: [
        { channel: 'rcs', usable: false, reason: 'no-consent', detail: 'no marketing consent for rcs' },
        { channel: 'sms', usable: true, reason: 'usable', detail: null },
        { channel: 'email', usable: true, reason: 'usable', detail: null },
      ],
    });
  });

  it('falls back from RCS to SMS when both are consented', () => {
    expect(choose({ contact: contact(['rcs', 'sms']) })).toMatchObject({ channel: 'rcs', fallback: ['sms'] });
    expect(choose({ preference: ['rcs', 'email'], contact: contact(['rcs', 'sms', 'email']) })).toMatchObject({ channel: 'rcs', fallback: [] });
  });

  it('skips a channel without address, template, or over its own cap', () => {
    const choice = choose({
      contact: contact(['rcs', 'sms', 'email'], ['sms', 'email']),
      templates: new Set<Channel>(['rcs', 'email', 'sms']),
      caps: [{ max: 1, days: 7, channel: 'sms' }],
      history: [sent('anniversaire', 'sms', 1)],
    });
    expect(choice.channel).toBe('email');
    expect(choice.reasons.map((r) => [r.channel, r.reason, r.detail])).toEqual([
      ['rcs', 'unreachable', 'no mobile phone number'],
      ['sms', 'frequency-cap', '1 sms marketing messages in the last 7 days (anniversaire); at most 1'],
      ['email', 'usable', null],
    ]);
  });

  it('is none when no channel is consented', () => {
    expect(choose({ contact: contact([]) })).toMatchObject({ channel: null, fallback: [] });
  });

  it('reads the consent of the message\'s purpose', () => {
    const loyaltyOnly = { consents: { loyalty: { email: true } }, reachable: { email: true } };
    expect(choose({ preference: ['email'], contact: loyaltyOnly }).channel).toBeNull();
    expect(choose({ preference: ['email'], purpose: 'loyalty', contact: loyaltyOnly }).channel).toBe('email');
  });
});
