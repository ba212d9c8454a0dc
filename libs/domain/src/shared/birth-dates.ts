/** Age of majority in France, below which no offer promoting alcohol may reach a customer. */
export const AGE_OF_MAJORITY = 18;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parts(date: string): { year: number; month: number; day: number } {
  const match = DATE.exec(date);
  if (!match) throw new RangeError(`Not a local date (YYYY-MM-DD): ${date}`);
  return { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
}

const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The day of the year a birthday falls on, "MM-DD", without the year. */
export function birthdayOf(birthDate: string): string {
  const { month, day } = parts(birthDate);
  return `${pad(month)}-${pad(day)}`;
}

/**
 * The local date on which someone born on `birthDate` turns `years` old. Born on 29 February, they
 * turn it on 1 March of a common year: the later of the two candidate days, so that an age check
 * never counts anyone a day early.
 */
export function anniversaryOf(birthDate: string, years: number): string {
  const { year, month, day } = parts(birthDate);
  const target = year + years;
  if (month === 2 && day === 29 && !isLeapYear(target)) return `${pad(target, 4)}-03-01`;
  return `${pad(target, 4)}-${pad(month)}-${pad(day)}`;
}

/** Whether someone born on `birthDate` is at least `years` old on the local date `on`. */
export function isAtLeast(birthDate: string, years: number, on: string): boolean {
  return anniversaryOf(birthDate, years) <= on;
}

/**
 * "Adult since" as a read model may keep it in clear: `knownOn` (the local date the birth date was
 * recorded) when the customer was already of age that day, null otherwise. Never the date they came
 * of age, which would give the birth date away next to the birthday; never earlier than it either,
 * so `adultSince <= today` is a safe test of majority. Customers who were minors when recorded have
 * null, and their age is checked on their opened profile.
 */
export function adultSince(birthDate: string | null, knownOn: string): string | null {
  if (birthDate === null) return null;
  return isAtLeast(birthDate, AGE_OF_MAJORITY, knownOn) ? knownOn : null;
}
