import { ident } from '@relance/platform';
import { LocalDates } from '../local-dates.js';
import type { ProfileFacts, ProjectionContext, TableName } from '../projection.js';
import { UNREADABLE } from '../projections/customer-patch.js';
import { UnopenedProfile } from './profile-opener.js';

export const DEFAULT_TIME_ZONE = 'Europe/Paris';

/** Time zones of the merchants, resolved by the shell (merchant config); others get the default. */
export type TimeZones = (merchantId: string) => string | undefined;

/** Builds the context of one batch: where to write (live or `_next`), local dates, profile facts. */
export class ContextFactory {
  private readonly dates = new LocalDates();
  private readonly tables = new Map<string, TableName>();

  constructor(
    private readonly suffix: '' | '_next',
    private readonly timeZones: TimeZones,
  ) {}

  forBatch(profiles: ReadonlyMap<string, ProfileFacts | UnopenedProfile>): ProjectionContext {
    return {
      table: (name) => {
        let table = this.tables.get(name);
        if (!table) this.tables.set(name, (table = ident(`${name}${this.suffix}`)));
        return table;
      },
      localDate: (merchantId, instant) => this.dates.dateOf(instant, this.timeZones(merchantId) ?? DEFAULT_TIME_ZONE),
      profileOf: (eventId) => {
        const profile = profiles.get(eventId);
        if (profile instanceof UnopenedProfile) throw profile;
        return profile ?? UNREADABLE;
      },
    };
  }
}
