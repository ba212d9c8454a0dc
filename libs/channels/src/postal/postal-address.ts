import type { RecipientCheck } from '../channel-adapter.js';

/**
 * A postal address in the order of the French standard (AFNOR NF Z10-011): the name on line 1,
 * then up to four lines (complement such as "Chez…" or "Appartement 12", building, number and
 * street, lieu-dit or BP), then the postcode and city, then the country when abroad.
 */
export interface PostalAddress {
  readonly name: string;
  readonly lines: readonly string[];
  readonly postcode: string;
  readonly city: string;
  /** ISO 3166-1 alpha-2; FR by default. */
  readonly country?: string;
}

/** La Poste reads at most 38 characters a line, 6 lines (7 with the country line abroad). */
export const MAX_LINE_LENGTH = 38;
const MAX_STREET_LINES = 4;

const countryNames = new Intl.DisplayNames(['fr'], { type: 'region', fallback: 'none' });

/**
 * The lines printed in the envelope window, top to bottom. The last line is in capitals without
 * accents, as sorting machines read it best.
 */
export function addressBlock(address: PostalAddress): string[] {
  const country = (address.country ?? 'FR').toUpperCase();
  const block = [address.name.trim(), ...address.lines.map((l) => l.trim()).filter((l) => l !== '')];
  block.push(plainCapitals(`${address.postcode.trim()} ${address.city.trim()}`));
  if (country !== 'FR') block.push(plainCapitals(countryNames.of(country) ?? country));
  return block;
}

/**
 * An address that fits the standard, or why not. The reasons say which line is wrong and how, never
 * what it contains: they end up in logs and events, where an address must not.
 */
export function checkPostalAddress(address: PostalAddress): RecipientCheck<PostalAddress> {
  const country = (address.country ?? 'FR').toUpperCase();
  if (address.name.trim() === '') return refuse('address-name-missing', 'line 1 (the name) is empty');
  const lines = address.lines.map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0) return refuse('address-street-missing', 'no street line');
  if (lines.length > MAX_STREET_LINES) {
    return refuse('address-too-many-lines', `${lines.length} lines between the name and the postcode: at most ${MAX_STREET_LINES}`);
  }
  // ZZ is CLDR's "unknown region".
  if (!/^[A-Z]{2}$/.test(country) || country === 'ZZ' || countryNames.of(country) === undefined) return refuse('address-country', 'unknown country code');
  if (country === 'FR' && !/^\d{5}$/.test(address.postcode.trim())) return refuse('address-postcode', 'a French postcode has 5 digits');
  if (address.postcode.trim() === '' || address.city.trim() === '') return refuse('address-city-missing', 'postcode or city missing');
  const normalised: PostalAddress = { ...address, name: address.name.trim(), lines, postcode: address.postcode.trim(), city: address.city.trim(), country };
  const block = addressBlock(normalised);
  for (const [index, line] of block.entries()) {
    const length = [...line].length;
    if (length > MAX_LINE_LENGTH) {
      return refuse('address-line-too-long', `line ${index + 1} (${lineName(index, block.length, country)}) has ${length} characters: at most ${MAX_LINE_LENGTH}`);
    }
    if (/[\r\n\t]/.test(line)) return refuse('address-control-character', `line ${index + 1} holds a line break or tab`);
  }
  return { ok: true, recipient: normalised };
}

function refuse(code: string, reason: string): RecipientCheck<PostalAddress> {
  return { ok: false, code, reason };
}

function lineName(index: number, count: number, country: string): string {
  const last = country === 'FR' ? count - 1 : count - 2;
  if (index === 0) return 'the name';
  if (index === last) return 'postcode and city';
  if (index > last) return 'the country';
  return 'an address line';
}

function plainCapitals(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toUpperCase();
}
