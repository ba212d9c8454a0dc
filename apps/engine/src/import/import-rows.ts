import { Id } from '@relance/domain';
import type { EnrolCustomerBody } from '../customers/customer.schemas.js';
import { EnrolCustomerBody as EnrolSchema } from '../customers/customer.schemas.js';
import type { RequestRejected } from '../write-path/application-errors.js';
import { parseWith } from '../write-path/zod-problems.js';
import { externalEntityId } from '../write-path/derived-ids.js';
import type { Columns, CustomerColumn } from './csv-columns.js';
import type { CsvRow } from './csv-source.js';
import { flag, instant, localDate, optional, RowProblem } from './csv-values.js';

/**
 * The id an external id (a card number, a ticket number) becomes: itself when it is a valid id, so
 * the POS and Relance speak of the same customer; otherwise a stable id derived from it. The same
 * file imported twice gives the same ids, which is what makes a re-run idempotent.
 */
export function importedId(prefix: 'x' | 't', merchantId: string, externalId: string): string {
  return Id.safeParse(externalId).success ? externalId : externalEntityId(prefix, merchantId, externalId);
}

const CUSTOMER_PATHS: Record<string, CustomerColumn> = {
  type: 'type',
  businessCategory: 'business_category',
  storeId: 'store_id',
  locale: 'locale',
  'profile.firstName': 'first_name',
  'profile.lastName': 'last_name',
  'profile.companyName': 'company_name',
  'profile.email': 'email',
  'profile.phone': 'phone',
  'profile.birthDate': 'birth_date',
  enrolledAt: 'enrolled_at',
};

/**
 * A customer row as an enrolment. The customer joined on its `enrolled_at` column when the file has
 * one, else on its first purchase (`firstPurchases`, read from the tickets file beforehand), else now.
 */
export function customerOf(
  row: CsvRow,
  columns: Columns<CustomerColumn>,
  merchantId: string,
  file: string,
  timeZone: string,
  firstPurchases?: ReadonlyMap<string, string>,
): { customerId: string; body: EnrolCustomerBody } {
  const get = (name: CustomerColumn) => optional(columns.get(row.values, name));
  const externalId = get('external_id');
  if (!externalId) throw new RowProblem(`${columns.label('external_id')}: missing`);
  const line1 = get('address_line1');
  const consents = (['email', 'sms', 'postal'] as const)
    .filter((channel) => flag(get(`consent_${channel}`), columns.label(`consent_${channel}`)))
    .map((channel) => ({ channel, purpose: 'marketing' as const, proof: { formVersion: `import:${file}`.slice(0, 64) } }));
  const customerId = importedId('x', merchantId, externalId);
  const enrolledAt = get('enrolled_at') ? instant(get('enrolled_at'), columns.label('enrolled_at'), timeZone) : firstPurchases?.get(externalId);
  const input = {
    ...(enrolledAt ? { enrolledAt } : {}),
    customerId,
    type: get('type')?.toLowerCase() ?? 'b2c',
    ...(get('business_category') ? { businessCategory: get('business_category')!.toLowerCase() } : {}),
    ...(get('store_id') ? { storeId: get('store_id') } : {}),
    externalId,
    ...(get('locale') ? { locale: get('locale') } : {}),
    source: 'import',
    profile: {
      ...(get('first_name') ? { firstName: get('first_name') } : {}),
      ...(get('last_name') ? { lastName: get('last_name') } : {}),
      ...(get('company_name') ? { companyName: get('company_name') } : {}),
      ...(get('email') ? { email: get('email') } : {}),
      ...(get('phone') ? { phone: get('phone') } : {}),
      ...(line1
        ? { postalAddress: { line1, ...(get('address_line2') ? { line2: get('address_line2') } : {}), postalCode: get('postal_code') ?? '', city: get('city') ?? '', country: get('country')?.toUpperCase() ?? 'FR' } }
        : {}),
      ...(get('birth_date') ? { birthDate: localDate(get('birth_date'), columns.label('birth_date')) } : {}),
    },
    consents,
  };
  const parsed = parseWith(EnrolSchema, input);
  if (!parsed.ok) {
    throw new RowProblem(parsed.problems.map((p) => `${columnOf(p.path, columns)}: ${p.message}`).join('; '));
  }
  return { customerId, body: parsed.value };
}

/** A refusal of the engine (a field path) as a refusal of the row (the file's column names). */
export function customerRowProblem(error: RequestRejected, columns: Columns<CustomerColumn>): RowProblem {
  return new RowProblem(error.fields.map((f) => `${columnOf(f.path, columns)}: ${f.message}`).join('; '));
}

function columnOf(path: string, columns: Columns<CustomerColumn>): string {
  const name = CUSTOMER_PATHS[path] ?? (path.startsWith('profile.postalAddress') ? 'address_line1' : undefined);
  return name ? columns.label(name) : path;
}

/** The rows of one ticket, consecutive in the file. */
export interface TicketRows {
  readonly ticket: string;
  readonly rows: readonly CsvRow[];
}
