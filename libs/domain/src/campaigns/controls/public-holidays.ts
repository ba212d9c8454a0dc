import Holidays from 'date-holidays';

/*
 * Public holidays from date-holidays, kept deterministic: the library reads the clock only when it is
 * not given a year (and never the network: its data ships with it), so every call here names the
 * year. One list per (country, year) is computed once and reused.
 */

const cache = new Map<string, ReadonlySet<string>>();

const catalog = new Holidays();

/** "FR", or a country and its region ("FR-57" for Moselle, where two more days are public holidays). */
export function isKnownHolidayCountry(region: string): boolean {
  const match = /^([A-Z]{2})(?:-([A-Z0-9]{1,3}))?$/.exec(region);
  if (!match) return false;
  const [, country, state] = match as unknown as [string, string, string | undefined];
  if (!Object.hasOwn(catalog.getCountries(), country)) return false;
  return state === undefined || Object.hasOwn(catalog.getStates(country) ?? {}, state);
}

function calendar(region: string): Holidays {
  if (!isKnownHolidayCountry(region)) throw new RangeError(`Unknown holiday region "${region}"`);
  const [country, state] = region.split('-') as [string, string | undefined];
  const holidays = new Holidays();
  if (state) holidays.init(country, state, { types: ['public'] });
  else holidays.init(country, { types: ['public'] });
  return holidays;
}

/** The public holidays of a year as local dates (YYYY-MM-DD). */
export function publicHolidays(region: string, year: number): ReadonlySet<string> {
  const key = `${region}|${year}`;
  let dates = cache.get(key);
  if (!dates) {
    const holidays = calendar(region);
    dates = new Set(
      holidays
        .getHolidays(year)
        .filter((h) => h.type === 'public')
        .map((h) => h.date.slice(0, 10)),
    );
    cache.set(key, dates);
  }
  return dates;
}

export function isPublicHoliday(region: string, localDate: string): boolean {
  return publicHolidays(region, Number(localDate.slice(0, 4))).has(localDate);
}
