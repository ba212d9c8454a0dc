import type { AppliedControl } from '../../events/campaign.events.js';
import { localDateOf } from '../../shared/local-time.js';
import type { ONCE_PER } from '../config/campaign.schema.js';

/** An earlier decision of a campaign that targeted the customer (control-group members included). */
export interface PastDecision {
  readonly campaignId: string;
  readonly period: string;
  readonly at: string;
}

/** Once per lifetime, calendar year or month (merchant's zone), or per trigger period. */
export function oncePerControl(
  oncePer: (typeof ONCE_PER)[number],
  past: readonly PastDecision[],
  period: string,
  now: string,
  timeZone: string,
): AppliedControl {
  const today = localDateOf(now, timeZone);
  const same = past.filter((d) => {
    switch (oncePer) {
      case 'lifetime':
        return true;
      case 'year':
        return localDateOf(d.at, timeZone).slice(0, 4) === today.slice(0, 4);
      case 'month':
        return localDateOf(d.at, timeZone).slice(0, 7) === today.slice(0, 7);
      case 'period':
        return d.period === period;
    }
  });
  const last = same.at(-1);
  return {
    control: 'once-per-period',
    value: { oncePer, period, previous: last ? { period: last.period, at: last.at } : null },
    passed: !last,
    detail: last ? `already targeted ${oncePer === 'period' ? `for period ${last.period}` : `this ${oncePer === 'lifetime' ? 'lifetime' : oncePer}`} on ${last.at}` : null,
  };
}
