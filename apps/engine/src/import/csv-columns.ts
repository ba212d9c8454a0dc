import { RowProblem } from './csv-values.js';

export interface ColumnSpec {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly required?: boolean;
  readonly help: string;
}

/** Where each expected column is in a file whose headers may be English or French. */
export class Columns<N extends string> {
  private constructor(private readonly found: ReadonlyMap<N, string>) {}

  static resolve<N extends string>(headers: readonly string[], specs: readonly (ColumnSpec & { name: N })[], file: string): Columns<N> {
    const found = new Map<N, string>();
    for (const spec of specs) {
      const header = [spec.name, ...spec.aliases].find((alias) => headers.includes(alias));
      if (header) found.set(spec.name, header);
    }
    const missing = specs.filter((s) => s.required && !found.has(s.name));
    if (missing.length > 0) {
      throw new RowProblem(
        `${file}:1: missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m.name}" (or ${m.aliases.map((a) => `"${a}"`).join(', ')})`).join('; ')}`,
      );
    }
    return new Columns(found);
  }

  get(values: Readonly<Record<string, string>>, name: N): string | undefined {
    const header = this.found.get(name);
    return header === undefined ? undefined : values[header];
  }

  /** The column name as the file spells it, for messages. */
  label(name: N): string {
    return this.found.get(name) ?? name;
  }
}

export const CUSTOMER_COLUMNS = [
  { name: 'external_id', aliases: ['id_client', 'numero_client', 'client_id', 'carte', 'customer_id'], required: true, help: 'the POS customer number (becomes the customer id when it is a valid id)' },
  { name: 'type', aliases: ['type_client'], help: 'b2c (default) or b2b' },
  { name: 'business_category', aliases: ['categorie_pro', 'activite'], help: 'for b2b: restaurant, bar, hotel, caterer, retailer, association, company, other' },
  { name: 'first_name', aliases: ['prenom'], help: '' },
  { name: 'last_name', aliases: ['nom'], help: '' },
  { name: 'company_name', aliases: ['societe', 'raison_sociale'], help: '' },
  { name: 'email', aliases: ['e_mail', 'courriel', 'mail'], help: 'lower-cased and trimmed; duplicates within the merchant are refused' },
  { name: 'phone', aliases: ['telephone', 'tel', 'mobile', 'portable'], help: 'French national or +country code; stored in E.164' },
  { name: 'address_line1', aliases: ['adresse', 'adresse1'], help: 'with postal_code and city' },
  { name: 'address_line2', aliases: ['adresse2', 'complement_adresse'], help: '' },
  { name: 'postal_code', aliases: ['code_postal', 'cp'], help: '' },
  { name: 'city', aliases: ['ville'], help: '' },
  { name: 'country', aliases: ['pays'], help: 'ISO code, FR by default' },
  { name: 'birth_date', aliases: ['date_naissance', 'naissance'], help: '14/03/1985 or 1985-03-14' },
  { name: 'store_id', aliases: ['magasin', 'boutique'], help: "one of merchant.yaml's stores" },
  { name: 'locale', aliases: ['langue'], help: 'fr or fr-FR…' },
  { name: 'consent_email', aliases: ['optin_email'], help: 'oui/non: marketing consent by email' },
  { name: 'consent_sms', aliases: ['optin_sms'], help: 'oui/non' },
  { name: 'consent_postal', aliases: ['optin_courrier'], help: 'oui/non' },
  { name: 'enrolled_at', aliases: ['date_inscription', 'date_adhesion', 'inscrit_le', 'date_creation', 'created_at'], help: 'when the customer joined (14/03/2019 or 2019-03-14); otherwise the first purchase' },
] as const satisfies readonly ColumnSpec[];

export const PURCHASE_COLUMNS = [
  { name: 'ticket', aliases: ['ticket_ref', 'numero_ticket', 'purchase_id', 'num_ticket'], required: true, help: 'the ticket number; the rows of one ticket are consecutive' },
  { name: 'customer_external_id', aliases: ['id_client', 'numero_client', 'client_id', 'carte'], help: 'empty for an anonymous sale ("clients divers")' },
  { name: 'store_id', aliases: ['magasin', 'boutique'], required: true, help: "one of merchant.yaml's stores" },
  { name: 'purchased_at', aliases: ['date', 'date_achat', 'date_vente'], required: true, help: '14/03/2026 10:05 (merchant time) or an ISO instant' },
  { name: 'sku', aliases: ['code_article', 'reference', 'ref'], required: true, help: '' },
  { name: 'name', aliases: ['libelle', 'designation', 'article'], required: true, help: '' },
  { name: 'category', aliases: ['categorie', 'famille'], help: 'drives category multipliers (champagne, spiritueux…)' },
  { name: 'quantity', aliases: ['quantite', 'qte'], required: true, help: 'whole number: positive sold, negative returned' },
  { name: 'unit_price', aliases: ['prix_unitaire', 'pu', 'prix'], required: true, help: "in the merchant's currency, 12,50 or 12.50 (one decimal separator per file)" },
  { name: 'discount', aliases: ['remise'], help: 'off the line, 0 by default' },
  { name: 'promo', aliases: ['promotion'], help: 'oui/non: sold under a promotion (earns no points)' },
  { name: 'original_ticket', aliases: ['ticket_origine', 'ticket_original', 'ref_origine', 'refund_of', 'avoir_sur'], help: 'on returned lines: the ticket they were sold on' },
] as const satisfies readonly ColumnSpec[];

export type CustomerColumn = (typeof CUSTOMER_COLUMNS)[number]['name'];
export type PurchaseColumn = (typeof PURCHASE_COLUMNS)[number]['name'];
