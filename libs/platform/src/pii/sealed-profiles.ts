import type pg from 'pg';
import type { CustomerKeyStore } from './customer-key-store.js';

/** A customer's profile in clear. It only ever exists in memory, for the moment it is needed. */
export interface CustomerProfile {
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly companyName: string | null;
  /** Lower-cased and trimmed. */
  readonly email: string | null;
  /** E.164. */
  readonly phone: string | null;
  readonly postalAddress: { readonly line1: string; readonly line2?: string; readonly postalCode: string; readonly city: string; readonly country: string } | null;
  /** YYYY-MM-DD. */
  readonly birthDate: string | null;
}

const EMPTY: CustomerProfile = { firstName: null, lastName: null, companyName: null, email: null, phone: null, postalAddress: null, birthDate: null };

/**
 * The profiles the customers read model keeps sealed (`customers.profile`), opened in memory for
 * whoever must use them: delivery at send time (name, address, email, phone), the rules engine when it
 * checks the age of a customer who was a minor when recorded. One query for the rows and at most one
 * for the keys not yet cached, whatever the number of customers.
 */
export class SealedProfiles {
  constructor(
    private readonly pool: pg.Pool,
    private readonly keys: CustomerKeyStore,
  ) {}

  /**
   * Every requested customer, with their profile, or null when there is none to give: no row yet (the
   * projector has not reached the enrolment), erased, or the key destroyed.
   */
  async open(merchantId: string, customerIds: readonly string[]): Promise<Map<string, CustomerProfile | null>> {
    const result = new Map<string, CustomerProfile | null>(customerIds.map((id) => [id, null]));
    if (customerIds.length === 0) return result;
    const { rows } = await this.pool.query<{ customer_id: string; profile: string }>(
      `SELECT customer_id, profile FROM customers
        WHERE merchant_id = $1 AND customer_id = ANY($2::text[]) AND status <> 'erased' AND profile IS NOT NULL`,
      [merchantId, [...new Set(customerIds)]],
    );
    const opened = await this.keys.openMany<Partial<CustomerProfile>>(rows.map((r) => ({ merchantId, customerId: r.customer_id, sealed: r.profile })));
    rows.forEach((row, i) => {
      const profile = opened[i];
      result.set(row.customer_id, profile ? { ...EMPTY, ...profile } : null);
    });
    return result;
  }
}
