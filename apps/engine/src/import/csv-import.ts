import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { DomainError } from '@relance/domain';
import { v7 as uuidv7 } from 'uuid';
import { systemEnvelope, type CommandEnvelope } from '../write-path/command-envelope.js';
import { DecisionContexts } from '../write-path/decision-context.js';
import { EnrolCustomerCommand } from '../customers/enrol-customer.handler.js';
import { ApiError, RequestRejected } from '../write-path/application-errors.js';
import { normalisePhone } from '../customers/identity.js';
import { RecordPurchaseCommand } from '../purchases/record-purchase.handler.js';
import { RefundPurchaseCommand } from '../purchases/refund-purchase.handler.js';
import { AmountRule, decimalShownBy, type DecimalSeparator } from './csv-amounts.js';
import { Columns, CUSTOMER_COLUMNS, PURCHASE_COLUMNS, type PurchaseColumn } from './csv-columns.js';
import { openCsv, type CsvRow, type CsvSource } from './csv-source.js';
import { instant, optional, RowProblem, wholeNumber } from './csv-values.js';
import { customerOf, customerRowProblem, type TicketRows } from './import-rows.js';
import { ProgressBar } from './progress-bar.js';
import { SalesIndex } from './sales-index.js';
import { planTicket, type LineNote, type LinePolicy, type Operation } from './ticket-plan.js';

export interface ImportOptions {
  readonly merchantId: string;
  /** Where rejected rows and line notes go, in line order; defaults to `<file>.rejects.txt`, written only when there is one. */
  readonly rejectsFile?: string;
  readonly delimiter?: string;
  /** The file's decimal separator; detected from its amounts when not given. */
  readonly decimal?: DecimalSeparator;
  /** What a line that cannot be read does: reject its ticket (strict, the default) or be skipped. */
  readonly lines?: LinePolicy;
  /** Customers: the tickets file whose first purchase of each customer dates its enrolment. */
  readonly firstPurchasesFrom?: string;
  readonly concurrency?: number;
  readonly progress?: boolean;
}

export interface ImportSummary {
  /** Rows of the file (header excluded). */
  read: number;
  imported: number;
  skipped: number;
  rejected: number;
  /** Rows left out by `--lines skip-invalid`, each noted with its reason. */
  linesSkipped: number;
  /** Amounts with more decimals than the currency has, rounded and noted. */
  rounded: number;
  /** Purchases and refunds recorded by this run. */
  purchases: number;
  refunds: number;
  /** How amounts were read: "decimal "," (detected at line 2)". */
  amounts: string | null;
  rejectsFile: string | null;
}

type Outcome = 'imported' | 'skipped';

/** One thing to record: a customer, a purchase or a refund, from rows starting at `line`. */
interface WorkItem {
  readonly kind: 'customer' | 'purchase' | 'refund';
  readonly line: number;
  readonly rows: number;
  readonly lanes: readonly string[];
  readonly problem?: string;
  readonly execute?: (envelope: CommandEnvelope) => Promise<Outcome>;
}

/**
 * `relance import`: a CSV export streamed through the same command handlers as the HTTP API. Rows
 * already recorded (a re-run) are skipped, not rejected; rows that cannot be recorded are written to
 * the rejects file as `file:line: reason`, with the lines skipped and the amounts rounded. Purchases
 * and refunds of one customer are recorded in file order.
 */
@Injectable()
export class CsvImport {
  constructor(
    private readonly commands: CommandBus,
    private readonly contexts: DecisionContexts,
  ) {}

  async customers(file: string, options: ImportOptions): Promise<ImportSummary> {
    const csv = await openCsv(file, options.delimiter ? { delimiter: options.delimiter } : {});
    const columns = Columns.resolve(csv.columns, CUSTOMER_COLUMNS, file);
    const timeZone = this.contexts.merchant(options.merchantId).timeZone;
    const firstPurchases = options.firstPurchasesFrom ? await firstPurchasesIn(options.firstPurchasesFrom, timeZone, options.delimiter) : undefined;
    const summary = emptySummary();
    const commands = this.commands;
    // Rows sharing an external id, email or phone run in file order, so the first one wins and the
    // later ones are skipped or rejected the same way on every run.
    const lanesOf = (values: Readonly<Record<string, string>>) => {
      const email = columns.get(values, 'email')?.trim().toLowerCase();
      const phone = columns.get(values, 'phone');
      return [
        `id:${columns.get(values, 'external_id')?.trim() ?? ''}`,
        ...(email ? [`email:${email}`] : []),
        ...(phone ? [`phone:${normalisePhone(phone) ?? phone}`] : []),
      ];
    };
    const items = (async function* (): AsyncIterable<WorkItem> {
      for await (const row of csv.rows()) {
        summary.read++;
        yield {
          kind: 'customer',
          line: row.line,
          rows: 1,
          lanes: lanesOf(row.values),
          execute: async (envelope) => {
            const { body } = customerOf(row, columns, options.merchantId, path.basename(file), timeZone, firstPurchases);
            try {
              return await outcome(() => commands.execute(new EnrolCustomerCommand(envelope, body)), 'customer-already-enrolled');
            } catch (error) {
              throw error instanceof RequestRejected ? customerRowProblem(error, columns) : error;
            }
          },
        };
      }
    })();
    return this.run(file, options, csv, items, summary, []);
  }

  async purchases(file: string, options: ImportOptions): Promise<ImportSummary> {
    const csv = await openCsv(file, options.delimiter ? { delimiter: options.delimiter } : {});
    const columns = Columns.resolve(csv.columns, PURCHASE_COLUMNS, file);
    const merchant = this.contexts.merchant(options.merchantId);
    const amounts = options.decimal
      ? new AmountRule(options.decimal, merchant.currency, `decimal "${options.decimal}" (declared)`)
      : await detectAmountRule(csv, columns, merchant.currency);
    const summary = { ...emptySummary(), amounts: amounts.origin };
    const notes: LineNote[] = [];
    const ctx = {
      merchantId: options.merchantId,
      currency: merchant.currency,
      timeZone: merchant.timeZone,
      columns,
      amounts,
      policy: options.lines ?? 'strict',
      sales: new SalesIndex(),
    };
    const commands = this.commands;
    const workOf = (op: Operation): WorkItem => ({
      kind: op.kind,
      line: op.line,
      rows: op.rows,
      lanes: op.lanes,
      execute: async (envelope) => {
        try {
          return op.kind === 'purchase'
            ? await outcome(() => commands.execute(new RecordPurchaseCommand(envelope, op.body)), 'purchase-already-recorded')
            : await outcome(() => commands.execute(new RefundPurchaseCommand(envelope, op.purchaseId, op.body)), 'refund-already-recorded');
        } catch (error) {
          if (error instanceof RequestRejected) throw new RowProblem(error.fields.map((f) => `${fieldColumn(f.path, columns)}: ${f.message}`).join('; '));
          if (!(error instanceof DomainError)) throw error;
          if (op.kind === 'purchase' && error.code === 'customer-not-found') {
            throw new RowProblem(`${columns.label('customer_external_id')}: no customer "${op.customer}" (import the customers first)`);
          }
          if (op.kind === 'refund' && error.code === 'purchase-not-found') {
            throw new RowProblem(`the purchase this return takes back (${op.purchaseId}) was not recorded: see its own line`);
          }
          throw error;
        }
      },
    });
    const items = (async function* (): AsyncIterable<WorkItem> {
      for await (const ticket of ticketsOf(csv, columns)) {
        summary.read += ticket.rows.length;
        if (ticket.problem) {
          yield { kind: 'purchase', line: ticket.rows[0]!.line, rows: ticket.rows.length, lanes: [], problem: ticket.problem };
          continue;
        }
        let plan;
        try {
          plan = planTicket(ticket, ctx);
        } catch (error) {
          if (!(error instanceof RowProblem)) throw error;
          yield { kind: 'purchase', line: ticket.rows[0]!.line, rows: ticket.rows.length, lanes: [], problem: error.message };
          continue;
        }
        notes.push(...plan.notes);
        summary.linesSkipped += plan.skippedRows;
        summary.rounded += plan.notes.filter((n) => n.kind === 'rounded').length;
        for (const op of plan.operations) yield workOf(op);
      }
    })();
    return this.run(file, options, csv, items, summary, notes);
  }

  /**
   * Runs work items with bounded concurrency (items sharing a lane one after the other, in file
   * order), counts outcomes and writes the rejects file. Infrastructure failures stop the import: a
   * re-run picks up where it stopped, since what was done is skipped.
   */
  private async run(file: string, options: ImportOptions, csv: CsvSource, items: AsyncIterable<WorkItem>, summary: ImportSummary, notes: LineNote[]): Promise<ImportSummary> {
    const rejectsPath = options.rejectsFile ?? `${file}.rejects.txt`;
    const rejected: { line: number; reason: string }[] = [];
    const reject = (line: number, reason: string, rows: number) => {
      rejected.push({ line, reason });
      summary.rejected += rows;
    };
    const correlationId = `import-${uuidv7()}`;
    const bar = new ProgressBar(path.basename(file), csv.size, options.progress);
    const limit = options.concurrency ?? 32;
    const inFlight = new Set<Promise<void>>();
    const lanes = new Map<string, Promise<void>>();
    let failure: unknown = null;

    for await (const item of items) {
      if (failure) break;
      if (item.problem !== undefined || !item.execute) {
        reject(item.line, item.problem ?? 'nothing to record', item.rows);
        continue;
      }
      const execute = item.execute;
      const envelope = { ...systemEnvelope(options.merchantId, 'import'), correlationId };
      const previous = item.lanes.map((k) => lanes.get(k)).filter((p): p is Promise<void> => p !== undefined);
      const task: Promise<void> = (async () => {
        await Promise.all(previous);
        try {
          const result = await execute(envelope);
          summary[result] += item.rows;
          if (result === 'imported' && item.kind === 'purchase') summary.purchases++;
          if (result === 'imported' && item.kind === 'refund') summary.refunds++;
        } catch (error) {
          const reason = reasonOf(error);
          if (reason === null) failure ??= error;
          else reject(item.line, reason, item.rows);
        }
        bar.update(csv.bytesRead(), summary.read);
      })();
      for (const key of item.lanes) lanes.set(key, task);
      inFlight.add(task);
      void task.finally(() => {
        inFlight.delete(task);
        for (const key of item.lanes) if (lanes.get(key) === task) lanes.delete(key);
      });
      if (inFlight.size >= limit) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    bar.finish(summary.read);
    const lines = [
      ...rejected.map((r) => ({ line: r.line, text: r.reason })),
      ...notes.map((n) => ({ line: n.line, text: `${n.kind}: ${n.reason}` })),
    ].sort((a, b) => a.line - b.line);
    if (lines.length > 0) {
      summary.rejectsFile = rejectsPath;
      await writeFile(rejectsPath, lines.map((l) => `${file}:${l.line}: ${l.text}\n`).join(''));
    }
    if (failure) throw failure;
    return summary;
  }
}

function emptySummary(): ImportSummary {
  return { read: 0, imported: 0, skipped: 0, rejected: 0, linesSkipped: 0, rounded: 0, purchases: 0, refunds: 0, amounts: null, rejectsFile: null };
}

async function outcome(work: () => Promise<unknown>, alreadyDone: string): Promise<Outcome> {
  try {
    await work();
    return 'imported';
  } catch (error) {
    if (error instanceof DomainError && error.code === alreadyDone) return 'skipped';
    throw error;
  }
}

/** The file's rows as tickets: consecutive rows with the same ticket number; one seen again later is refused. */
async function* ticketsOf(csv: CsvSource, columns: Columns<PurchaseColumn>): AsyncIterable<TicketRows & { problem?: string }> {
  const closed = new Map<string, number>();
  let open: { ticket: string; rows: CsvRow[] } | null = null;
  for await (const row of csv.rows()) {
    const ticket = columns.get(row.values, 'ticket')?.trim() ?? '';
    if (open && open.ticket === ticket) {
      open.rows.push(row);
      continue;
    }
    if (open) {
      closed.set(open.ticket, open.rows.at(-1)!.line);
      yield open;
      open = null;
    }
    if (ticket && closed.has(ticket)) {
      yield { ticket, rows: [row], problem: `ticket ${ticket} already ended at line ${closed.get(ticket)}: the rows of a ticket must be consecutive` };
      continue;
    }
    open = { ticket, rows: [row] };
  }
  if (open) yield open;
}

/**
 * The file's decimal separator, from the first amount (unit price or discount, in file order) that
 * shows it (csv-amounts.ts); none does in a file of whole amounts, where any value with a separator is
 * then refused as ambiguous.
 */
async function detectAmountRule(csv: CsvSource, columns: Columns<PurchaseColumn>, currency: string): Promise<AmountRule> {
  for await (const row of csv.rows()) {
    for (const name of ['unit_price', 'discount'] as const) {
      const shown = decimalShownBy(columns.get(row.values, name) ?? '');
      if (shown) return new AmountRule(shown, currency, `decimal "${shown}" (detected at line ${row.line}, ${columns.label(name)} "${columns.get(row.values, name)?.trim()}")`);
    }
  }
  return new AmountRule(null, currency, 'no decimal separator in the file: whole amounts only');
}

/** Each customer's first sale in a tickets file, as the instant it is enrolled at. */
async function firstPurchasesIn(file: string, timeZone: string, delimiter?: string): Promise<Map<string, string>> {
  const csv = await openCsv(file, delimiter ? { delimiter } : {});
  const columns = Columns.resolve(csv.columns, PURCHASE_COLUMNS, file);
  const first = new Map<string, string>();
  for await (const row of csv.rows()) {
    const customer = optional(columns.get(row.values, 'customer_external_id'));
    if (!customer) continue;
    let at: string;
    try {
      if (wholeNumber(columns.get(row.values, 'quantity'), 'quantity') <= 0) continue;
      at = instant(columns.get(row.values, 'purchased_at'), 'date', timeZone);
    } catch {
      // A line the purchases import will reject does not date anything.
      continue;
    }
    const known = first.get(customer);
    if (known === undefined || at < known) first.set(customer, at);
  }
  return first;
}

const FIELD_COLUMNS: Record<string, PurchaseColumn> = { storeId: 'store_id', customerId: 'customer_external_id', purchasedAt: 'purchased_at', refundedAt: 'purchased_at' };

function fieldColumn(path: string, columns: Columns<PurchaseColumn>): string {
  return FIELD_COLUMNS[path] ? columns.label(FIELD_COLUMNS[path]) : path;
}

/** Why a row was refused, or null for a failure that is not the row's fault (the import stops). */
function reasonOf(error: unknown): string | null {
  if (error instanceof RowProblem) return error.message;
  if (error instanceof RequestRejected) return error.fields.map((f) => `${f.path}: ${f.message}`).join('; ');
  if (error instanceof DomainError) return `${error.code}: ${error.message}`;
  if (error instanceof ApiError && error.status < 500) return `${error.code}: ${error.message}`;
  return null;
}
