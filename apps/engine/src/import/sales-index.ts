/** A sold line of the file, as a later return can take it back. */
export interface SoldLine {
  readonly purchaseId: string;
  readonly lineNo: number;
  readonly sku: string;
  readonly unitPriceMinor: number;
  readonly at: number;
  /** Units not yet matched by a return of the file. */
  left: number;
}

export interface ReturnedLine {
  readonly sku: string;
  readonly unitPriceMinor: number;
  readonly quantity: number;
}

/** Units of one returned line taken from sold lines; `missing` units found no sale. */
export interface Match {
  readonly taken: readonly { readonly line: SoldLine; readonly quantity: number }[];
  readonly missing: number;
}

/**
 * What the file sold, in file order, for the returns that follow: by ticket (a return that names its
 * ticket) and by buyer and SKU (a return that does not). Matching is done in file order, before any
 * command runs, so that the same file matches the same way on every run (which keeps refunds
 * idempotent). Kept in memory: a few dozen bytes per sold line.
 */
export class SalesIndex {
  private readonly byTicket = new Map<string, { owner: string; lines: SoldLine[] }>();
  private readonly byOwnerSku = new Map<string, SoldLine[]>();
  private readonly owners = new Map<string, string>();

  /** Who bought: the customer's external id, or the store for an anonymous sale. */
  static owner(customer: string | undefined, store: string): string {
    return customer ? `c:${customer}` : `a:${store}`;
  }

  add(ticket: string, owner: string, lines: readonly SoldLine[]): void {
    const entry = this.byTicket.get(ticket) ?? { owner, lines: [] };
    entry.lines.push(...lines);
    this.byTicket.set(ticket, entry);
    for (const line of lines) {
      this.owners.set(line.purchaseId, owner);
      const key = `${owner}\u0000${line.sku}`;
      const list = this.byOwnerSku.get(key);
      if (list) list.push(line);
      else this.byOwnerSku.set(key, [line]);
    }
  }

  /** The buyer of a ticket of the file, or undefined when the file did not sell it. */
  ownerOfTicket(ticket: string): string | undefined {
    return this.byTicket.get(ticket)?.owner;
  }

  ownerOfPurchase(purchaseId: string): string | undefined {
    return this.owners.get(purchaseId);
  }

  /**
   * The sold lines a return takes back, without changing anything (`commit` does):
   * - naming its ticket: that ticket's lines of the same SKU and unit price, in line order;
   * - otherwise: the same buyer's lines of the same SKU and unit price sold before the return, the
   *   latest first (what was bought last is what comes back).
   */
  match(returned: readonly ReturnedLine[], from: { ticket: string } | { owner: string; before: number }): Match[] {
    const planned = new Map<SoldLine, number>();
    return returned.map((r) => {
      const candidates =
        'ticket' in from
          ? (this.byTicket.get(from.ticket)?.lines ?? [])
          : [...(this.byOwnerSku.get(`${from.owner}\u0000${r.sku}`) ?? [])].filter((l) => l.at <= from.before).reverse();
      let missing = r.quantity;
      const taken: { line: SoldLine; quantity: number }[] = [];
      for (const line of candidates) {
        if (missing === 0) break;
        if (line.sku !== r.sku || line.unitPriceMinor !== r.unitPriceMinor) continue;
        const left = line.left - (planned.get(line) ?? 0);
        if (left <= 0) continue;
        const quantity = Math.min(left, missing);
        planned.set(line, (planned.get(line) ?? 0) + quantity);
        taken.push({ line, quantity });
        missing -= quantity;
      }
      return { taken, missing };
    });
  }

  commit(matches: readonly Match[]): void {
    for (const m of matches) for (const t of m.taken) t.line.left -= t.quantity;
  }
}
