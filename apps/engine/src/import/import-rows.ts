import { Id } from '@relance/domain';
import type { EnrolCustomerBody } from '../customers/customer.schemas.js';
import { EnrolCustomerBody as EnrolSchema } from '../customers/customer.schemas.js';
import type { RequestRejected } from '../write-path/application-errors.js';
import { parseWith } from '../write-path/zod-problems.js';
import { RecordPurchaseBody as PurchaseSchema, type RecordPurchaseBody } from '../purchases/purchase.schemas.js';
import { externalEntityId } from '../write-path/derived-ids.js';
import type { Columns, CustomerColumn, PurchaseColumn } from './csv-columns.js';
import type { CsvRow } from './csv-source.js';
import { euros, flag, instant, localDate, optional, RowProblem, wholeNumber } from './csv-values.js';

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
};

export function customerOf(row: CsvRow, columns: Columns<CustomerColumn>, merchantId: string, file: string): { customerId: string; body: EnrolCustomerBody } {
  const get = (name: CustomerColumn) => optional(columns.get(row.values, name));
  const externalId = get('external_id');
  if (!externalId) throw new RowProblem(`${columns.label('external_id')}: missing`);
  const line1 = get('address_line1');
  const consents = (['email', 'sms', 'postal'] as const)
    .filter((channel) => flag(get(`consent_${channel}`), columns.label(`consent_${channel}`)))
    .map((channel) => ({ channel, purpose: 'marketing' as const, proof: { formVersion: `import:${file}`.slice(0, 64) } }));
  const customerId = importedId('x', merchantId, externalId);
  const input = {
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

export function purchaseRowProblem(error: RequestRejected, columns: Columns<PurchaseColumn>): RowProblem {
  return new RowProblem(error.fields.map((f) => `${purchasePath(f.path, columns)}: ${f.message}`).join('; '));
}

function columnOf(path: string, columns: Columns<CustomerColumn>): string {
  const name = CUSTOMER_PATHS[path] ?? (path.startsWith('profile.postalAddress') ? 'address_line1' : undefined);
  return name ? columns.label(name) : path;
}

export interface TicketRows {
  readonly ticket: string;
  readonly rows: readonly CsvRow[];
}

/** The rows of one ticket as one purchase. */
export function purchaseOf(ticket: TicketRows, columns: Columns<PurchaseColumn>, merchantId: string, timeZone: string): { purchaseId: string; body: RecordPurchaseBody } {
  const first = ticket.rows[0]!;
  const get = (row: CsvRow, name: PurchaseColumn) => optional(columns.get(row.values, name));
  const customer = get(first, 'customer_external_id');
  const store = get(first, 'store_id');
  const when = get(first, 'purchased_at');
  for (const row of ticket.rows.slice(1)) {
    for (const [name, value] of [['customer_external_id', customer], ['store_id', store], ['purchased_at', when]] as const) {
      if (get(row, name) !== value) throw new RowProblem(`line ${row.line}: ${columns.label(name)} differs from the ticket's first row (line ${first.line})`);
    }
  }
  const lines = ticket.rows.map((row) => {
    const at = (message: string) => (ticket.rows.length > 1 ? `line ${row.line}: ${message}` : message);
    try {
      return {
        sku: get(row, 'sku') ?? '',
        name: get(row, 'name') ?? '',
        category: get(row, 'category')?.toLowerCase() ?? null,
        quantity: wholeNumber(get(row, 'quantity'), columns.label('quantity')),
        unitPriceCents: euros(get(row, 'unit_price'), columns.label('unit_price')),
        discountCents: get(row, 'discount') ? euros(get(row, 'discount'), columns.label('discount')) : 0,
        promo: flag(get(row, 'promo'), columns.label('promo')),
      };
    } catch (error) {
      throw error instanceof RowProblem ? new RowProblem(at(error.message)) : error;
    }
  });
  const purchaseId = importedId('t', merchantId, ticket.ticket);
  const input = {
    purchaseId,
    ...(customer ? { customerId: importedId('x', merchantId, customer) } : {}),
    storeId: store ?? '',
    externalRef: ticket.ticket.slice(0, 128),
    channel: 'import',
    currency: 'EUR',
    lines,
    purchasedAt: instant(when, columns.label('purchased_at'), timeZone),
  };
  const parsed = parseWith(PurchaseSchema, input);
  if (!parsed.ok) throw new RowProblem(parsed.problems.map((p) => `${purchasePath(p.path, columns)}: ${p.message}`).join('; '));
  return { purchaseId, body: parsed.value };
}

function purchasePath(path: string, columns: Columns<PurchaseColumn>): string {
  const line = /^lines\[(\d+)\](?:\.(\w+))?$/.exec(path);
  if (line) {
    const row = `row ${Number(line[1]) + 1} of the ticket`;
    if (line[2] === undefined) return row;
    const names: Record<string, PurchaseColumn> = { sku: 'sku', name: 'name', category: 'category', quantity: 'quantity', unitPriceCents: 'unit_price', discountCents: 'discount' };
    const column = names[line[2]];
    return `${row}, ${column ? columns.label(column) : line[2]}`;
  }
  if (path === 'lines') return 'the ticket';
  const top: Record<string, PurchaseColumn> = { storeId: 'store_id', customerId: 'customer_external_id', purchasedAt: 'purchased_at' };
  return top[path] ? columns.label(top[path]) : path;
}
