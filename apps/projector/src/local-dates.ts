import { localDateOf } from '@relance/domain';

const DAY_MS = 86_400_000;

/**
 * Local dates of instants in a time zone, fast: a rebuild asks for one per event, and Intl
 * formatting costs microseconds each. The zone's offset is cached per UTC day when it is the same at
 * both ends of the day (every day but the two of a clock change, which go through Intl each time).
 */
export class LocalDates {
  private readonly offsets = new Map<string, number | null>();
  private readonly formats = new Map<string, Intl.DateTimeFormat>();
  private readonly names = new Map<number, string>();

  dateOf(instant: string, timeZone: string): string {
    const ms = Date.parse(instant);
    const day = Math.floor(ms / DAY_MS);
    const key = `${timeZone}|${day}`;
    let offset = this.offsets.get(key);
    if (offset === undefined) {
      const start = this.offsetAt(day * DAY_MS, timeZone);
      const end = this.offsetAt((day + 1) * DAY_MS - 1000, timeZone);
      offset = start === end ? start : null;
      if (this.offsets.size > 100_000) this.offsets.clear();
      this.offsets.set(key, offset);
    }
    if (offset === null) return localDateOf(instant, timeZone);
    const local = Math.floor((ms + offset) / DAY_MS);
    let name = this.names.get(local);
    if (name === undefined) {
      name = new Date(local * DAY_MS).toISOString().slice(0, 10);
      if (this.names.size > 100_000) this.names.clear();
      this.names.set(local, name);
    }
    return name;
  }

  /** Offset of the zone from UTC at an instant, in milliseconds (whole seconds). */
  private offsetAt(ms: number, timeZone: string): number {
    let format = this.formats.get(timeZone);
    if (!format) {
      format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
      this.formats.set(timeZone, format);
    }
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(ms)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
    const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
    return wall - (ms - (((ms % 1000) + 1000) % 1000));
  }
}
