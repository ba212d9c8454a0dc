import { createRequire } from 'node:module';
import type { CountryCode, parsePhoneNumberFromString as Parse } from 'libphonenumber-js/max';
import type { PhoneRecipient, RecipientCheck } from '../channel-adapter.js';

// The CommonJS build, as the engine loads it: the full metadata ("max", which knows mobile from
// fixed lines) without the JSON-module import ESM loaders are deprecating.
const { parsePhoneNumberFromString } = createRequire(import.meta.url)('libphonenumber-js/max') as { parsePhoneNumberFromString: typeof Parse };

/** Types that can receive a text message; a fixed line cannot (Twilio would refuse it with 21614). */
const TEXTABLE = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE', 'PERSONAL_NUMBER']);

/**
 * The number in E.164 (+33612345678), read as the recipient wrote it: a national number needs its
 * country (the merchant's, France by default). Refused with a reason when it is not a valid number
 * or cannot receive texts.
 */
export function checkPhoneRecipient(to: PhoneRecipient, defaultCountry = 'FR'): RecipientCheck<PhoneRecipient> {
  const raw = to.phone.trim();
  if (raw === '') return { ok: false, code: 'phone-missing', reason: 'no phone number' };
  const country = (to.country ?? defaultCountry).toUpperCase() as CountryCode;
  const parsed = parsePhoneNumberFromString(raw, country);
  if (!parsed || !parsed.isValid()) {
    return { ok: false, code: 'phone-invalid', reason: `not a valid phone number (read as ${country} when national)` };
  }
  const type = parsed.getType();
  if (type !== undefined && !TEXTABLE.has(type)) {
    return { ok: false, code: 'phone-not-mobile', reason: `a ${type.toLowerCase().replace(/_/g, ' ')} number cannot receive text messages` };
  }
  return { ok: true, recipient: { phone: parsed.number, country: parsed.country ?? country } };
}
