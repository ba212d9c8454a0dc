import { createRequire } from 'node:module';
import type { CountryCode, parsePhoneNumberFromString as Parse } from 'libphonenumber-js/max';

// The CommonJS build: it loads its metadata (the full "max" set, for exact validation) without the
// JSON-module import that ESM loaders are deprecating.
const { parsePhoneNumberFromString } = createRequire(import.meta.url)('libphonenumber-js/max') as { parsePhoneNumberFromString: typeof Parse };

// Pragmatic, not RFC 5322: one @, no spaces, a dot in the domain. Mailbox providers refuse the rest anyway.
const EMAIL = /^[^\s@"<>()[\],;:]+@[^\s@"<>()[\],;:]+\.[^\s@"<>()[\],;:]{2,}$/;

/** Emails compare lower-cased and trimmed: `Bob@Example.FR ` and `bob@example.fr` are one person. */
export function normaliseEmail(value: string): string {
  return value.trim().toLowerCase();
}

export function isValidEmail(value: string): boolean {
  const email = normaliseEmail(value);
  return email.length <= 254 && EMAIL.test(email);
}

/** E.164 (`+33612345678`), national numbers read in `region` (France by default); null when not a valid number. */
export function normalisePhone(value: string, region: CountryCode = 'FR'): string | null {
  const phone = parsePhoneNumberFromString(value.trim(), region);
  return phone?.isValid() ? phone.number : null;
}
