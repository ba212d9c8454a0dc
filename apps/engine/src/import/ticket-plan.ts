import { LIMITS } from '@relance/domain';
import { parseWith } from '../write-path/zod-problems.js';
import { PurchaseLineInput, RecordPurchaseBody as PurchaseSchema, RefundBody as RefundSchema, type RecordPurchaseBody, type RefundBody } from '../purchases/purchase.schemas.js';
import { externalEntityId } from '../write-path/derived-ids.js';
import type { AmountRule } from './csv-amounts.js';
import type { Columns, PurchaseColumn } from './csv-columns.js';
import type { CsvRow } from './csv-source.js';
import { flag, instant, optional, RowProblem, wholeNumber } from './csv-values.js';
import { importedId, type TicketRows } from './import-rows.js';
import { SalesIndex, type Match, type SoldLine } from './sales-index.js';

export type LinePolicy = 'strict' | 'skip-invalid';
export const LINE_POLICIES: readonly LinePolicy[] = ['strict', 'skip-invalid'];

/** A line of the file that was not taken as it was: skipped by the line policy, or an amount rounded. */
export interface LineNote {
  readonly line: number;
  readonly kind: 'skipped' | 'rounded';
  readonly reason: string;
}

export type Operation =
  | { readonly kind: 'purchase'; readonly line: number; readonly rows: number; readonly lanes: readonly string[]; readonly customer: string | null; readonly body: RecordPurchaseBody }
  | { readonly kind: 'refund'; readonly line: number; readonly rows: number; readonly lanes: readonly string[]; readonly purchaseId: string; readonly body: RefundBody };

export interface TicketPlan {
  readonly operations: readonly Operation[];
  readonly notes: readonly LineNote[];
  readonly skippedRows: number;
}

export interface PlanContext {
  readonly merchantId: string;
  readonly currency: string;
  readonly timeZone: string;
  readonly columns: Columns<PurchaseColumn>;
  readonly amounts: AmountRule;
  readonly policy: LinePolicy;
  readonly sales: SalesIndex;
}

interface Line {
  readonly row: CsvRow;
  readonly sku: string;
  readonly name: string;
  readonly category: string | null;
  readonly quantity: number;
  readonly unitPriceCents: number;
  readonly discountCents: number;
  readonly promo: boolean;
}

/**
 * A ticket's rows as what to record: its sold lines as a purchase (in parts of LIMITS.linesPerPurchase
 * lines when it has more: part 1 keeps the ticket's id, part k is "<ticket>/k"), its returned lines
 * (negative quantities) as refunds of the purchases they take back (sales-index.ts), one refund per
 * purchase. A line that cannot be read is skipped and noted under `skip-invalid`, and rejects the
 * ticket under `strict`; what is wrong with the ticket itself (its date, its buyer) always rejects it.
 */
export function planTicket(ticket: TicketRows, ctx: PlanContext): TicketPlan {
  const { columns } = ctx;
  const first = ticket.rows[0]!;
  const get = (row: CsvRow, name: PurchaseColumn) => optional(columns.get(row.values, name));
  if (!ticket.ticket) throw new RowProblem(`${columns.label('ticket')}: missing`);
  const customer = get(first, 'customer_external_id');
  const store = get(first, 'store_id');
  const when = get(first, 'purchased_at');
  const original = get(first, 'original_ticket');
  for (const row of ticket.rows.slice(1)) {
    for (const [name, value] of [['customer_external_id', customer], ['store_id', store], ['purchased_at', when], ['original_ticket', original]] as const) {
      if (get(row, name) !== value) throw new RowProblem(`line ${row.line}: ${columns.label(name)} differs from the ticket's first row (line ${first.line})`);
    }
  }
  const at = instant(when, columns.label('purchased_at'), ctx.timeZone);
  const notes: LineNote[] = [];
  const invalid: { row: CsvRow; reason: string }[] = [];
  const lines: Line[] = [];
  for (const row of ticket.rows) {
    // An amount is noted as rounded only on a line that is kept.
    const rounded: LineNote[] = [];
    try {
      lines.push(lineOf(row, ctx, rounded));
      notes.push(...rounded);
    } catch (error) {
      if (!(error instanceof RowProblem)) throw error;
      invalid.push({ row, reason: error.message });
    }
  }

  const sold = lines.filter((l) => l.quantity > 0);
  const returned = lines.filter((l) => l.quantity < 0);
  const owner = SalesIndex.owner(customer, store ?? '');
  const from = original ? { ticket: original } : { owner, before: Date.parse(at) };
  const matches = returned.length > 0 && (!original || ctx.sales.ownerOfTicket(original) !== undefined)
    ? ctx.sales.match(returned.map((l) => ({ sku: l.sku, unitPriceMinor: l.unitPriceCents, quantity: -l.quantity })), from)
    : returned.map((l) => ({ taken: [], missing: -l.quantity }));
  returned.forEach((line, i) => {
    const m = matches[i]!;
    if (m.missing === 0) return;
    const what = `${m.missing} × ${line.sku} at ${ctx.amounts.format(line.unitPriceCents)} returned`;
    invalid.push({
      row: line.row,
      reason: original
        ? ctx.sales.ownerOfTicket(original) === undefined
          ? `${columns.label('original_ticket')}: ticket "${original}" is not sold earlier in this file`
          : `${what}, not left to return on ticket ${original}`
        : `${what}, not left to return on an earlier ticket of ${customer ? `customer ${customer}` : `anonymous sales at ${store}`} in this file`,
    });
  });

  if (invalid.length > 0 && ctx.policy === 'strict') {
    invalid.sort((a, b) => a.row.line - b.row.line);
    throw new RowProblem(invalid.map((i) => (ticket.rows.length > 1 ? `line ${i.row.line}: ${i.reason}` : i.reason)).join('; '));
  }
  for (const i of invalid) notes.push({ line: i.row.line, kind: 'skipped', reason: i.reason });
  const invalidRows = new Set(invalid.map((i) => i.row));

  const operations: Operation[] = [];
  const base = {
    ...(customer ? { customerId: importedId('x', ctx.merchantId, customer) } : {}),
    storeId: store ?? '',
    channel: 'import',
    currency: ctx.currency,
    purchasedAt: at,
  };
  const customerLane = customer ? [`c:${customer}`] : [];
  const parts = Math.ceil(sold.length / LIMITS.linesPerPurchase);
  const soldLines: SoldLine[] = [];
  for (let k = 0; k < parts; k++) {
    const part = sold.slice(k * LIMITS.linesPerPurchase, (k + 1) * LIMITS.linesPerPurchase);
    const purchaseId = importedId('t', ctx.merchantId, k === 0 ? ticket.ticket : `${ticket.ticket}/${k + 1}`);
    const input = {
      ...base,
      purchaseId,
      externalRef: (parts > 1 ? `${ticket.ticket} (${k + 1}/${parts})` : ticket.ticket).slice(0, 128),
      lines: part.map(({ row: _row, quantity, ...line }) => ({ ...line, quantity })),
    };
    const parsed = parseWith(PurchaseSchema, input);
    if (!parsed.ok) throw new RowProblem(parsed.problems.map((p) => `${purchasePath(p.path, columns, part, k * LIMITS.linesPerPurchase)}: ${p.message}`).join('; '));
    operations.push({ kind: 'purchase', line: part[0]!.row.line, rows: part.length, lanes: [...customerLane, `p:${purchaseId}`], customer: customer ?? null, body: parsed.value });
    part.forEach((l, i) => soldLines.push({ purchaseId, lineNo: i + 1, sku: l.sku, unitPriceMinor: l.unitPriceCents, at: Date.parse(at), left: l.quantity }));
  }

  const kept = matches.filter((_, i) => !invalidRows.has(returned[i]!.row));
  const keptReturns = returned.filter((l) => !invalidRows.has(l.row));
  operations.push(...refundsOf(keptReturns, kept, ticket.ticket, at, store ?? '', ctx));
  ctx.sales.commit(kept);
  if (soldLines.length > 0) ctx.sales.add(ticket.ticket, owner, soldLines);
  return { operations, notes, skippedRows: invalid.length };
}

/** One refund per purchase taken back, with the returned units of each of its lines. */
function refundsOf(returned: readonly Line[], matches: readonly Match[], ticket: string, at: string, store: string, ctx: PlanContext): Operation[] {
  const byPurchase = new Map<string, { line: number; rows: Set<CsvRow>; units: Map<number, number> }>();
  returned.forEach((line, i) => {
    for (const { line: sold, quantity } of matches[i]!.taken) {
      const refund = byPurchase.get(sold.purchaseId) ?? { line: line.row.line, rows: new Set(), units: new Map() };
      // A returned row taken from several purchases counts once, with the first.
      if (![...byPurchase.values()].some((r) => r.rows.has(line.row))) refund.rows.add(line.row);
      refund.units.set(sold.lineNo, (refund.units.get(sold.lineNo) ?? 0) + quantity);
      byPurchase.set(sold.purchaseId, refund);
    }
  });
  return [...byPurchase].map(([purchaseId, refund]) => {
    const parsed = parseWith(RefundSchema, {
      refundId: externalEntityId('r', ctx.merchantId, `${ticket}>${purchaseId}`),
      lines: [...refund.units].map(([lineNo, quantity]) => ({ lineNo, quantity })),
      storeId: store,
      reason: `import: ticket ${ticket}`.slice(0, 200),
      refundedAt: at,
    });
    if (!parsed.ok) throw new RowProblem(parsed.problems.map((p) => `${p.path}: ${p.message}`).join('; '));
    const owner = ctx.sales.ownerOfPurchase(purchaseId);
    const lanes = [...(owner?.startsWith('c:') ? [owner] : []), `p:${purchaseId}`];
    return { kind: 'refund' as const, line: refund.line, rows: refund.rows.size, lanes, purchaseId, body: parsed.value };
  });
}

function lineOf(row: CsvRow, ctx: PlanContext, notes: LineNote[]): Line {
  const { columns, amounts } = ctx;
  const get = (name: PurchaseColumn) => optional(columns.get(row.values, name));
  const read = (name: PurchaseColumn) => {
    const amount = amounts.read(get(name), columns.label(name));
    if (amount.rounded !== null) {
      notes.push({
        line: row.line,
        kind: 'rounded',
        reason: `${columns.label(name)}: "${amount.rounded}" rounded to ${amounts.format(amount.minor)} (${ctx.currency} has ${amounts.minorUnit} decimal${amounts.minorUnit === 1 ? '' : 's'})`,
      });
    }
    return amount.minor;
  };
  const quantity = wholeNumber(get('quantity'), columns.label('quantity'));
  if (quantity === 0) throw new RowProblem(`${columns.label('quantity')}: 0, neither sold nor returned`);
  const unitPriceCents = read('unit_price');
  if (unitPriceCents < 0) throw new RowProblem(`${columns.label('unit_price')}: ${amounts.format(unitPriceCents)} is negative: an adjustment, not a sale`);
  const discountCents = get('discount') ? read('discount') : 0;
  if (discountCents < 0) throw new RowProblem(`${columns.label('discount')}: ${amounts.format(discountCents)} is negative`);
  const line = {
    sku: get('sku') ?? '',
    name: get('name') ?? '',
    category: get('category')?.toLowerCase() ?? null,
    quantity: Math.abs(quantity),
    unitPriceCents,
    discountCents,
    promo: flag(get('promo'), columns.label('promo')),
  };
  const parsed = parseWith(PurchaseLineInput, line);
  if (!parsed.ok) throw new RowProblem(parsed.problems.map((p) => `${lineColumn(p.path, columns)}: ${p.message}`).join('; '));
  const total = line.quantity * unitPriceCents - discountCents;
  if (total < 0) throw new RowProblem(`${columns.label('discount')}: larger than the line's amount`);
  if (total > LIMITS.amountCents) throw new RowProblem(`line total ${amounts.format(total)} ${ctx.currency} is above the limit of ${amounts.format(LIMITS.amountCents)} ${ctx.currency}`);
  return { ...line, quantity, category: line.category, row };
}

const LINE_FIELDS: Record<string, PurchaseColumn> = { sku: 'sku', name: 'name', category: 'category', quantity: 'quantity', unitPriceCents: 'unit_price', discountCents: 'discount' };

function lineColumn(path: string, columns: Columns<PurchaseColumn>): string {
  const name = LINE_FIELDS[path];
  return name ? columns.label(name) : path;
}

function purchasePath(path: string, columns: Columns<PurchaseColumn>, part: readonly Line[], offset: number): string {
  const line = /^lines\[(\d+)\](?:\.(\w+))?$/.exec(path);
  if (line) {
    const at = `line ${part[Number(line[1])]?.row.line ?? offset + Number(line[1]) + 1}`;
    return line[2] === undefined ? at : `${at}, ${lineColumn(line[2], columns)}`;
  }
  if (path === 'lines') return 'the ticket';
  const top: Record<string, PurchaseColumn> = { storeId: 'store_id', customerId: 'customer_external_id', purchasedAt: 'purchased_at' };
  return top[path] ? columns.label(top[path]) : path;
}
