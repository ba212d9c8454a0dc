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
import { Columns, CUSTOMER_COLUMNS, PURCHASE_COLUMNS } from './csv-columns.js';
import { openCsv, type CsvRow, type CsvSource } from './csv-source.js';
import { RowProblem } from './csv-values.js';
import { customerOf, customerRowProblem, purchaseOf, purchaseRowProblem, type TicketRows } from './import-rows.js';
import { ProgressBar } from './progress-bar.js';

export interface ImportOptions {
  readonly merchantId: string;
  /** Where rejected rows go, in line order; defaults to `<file>.rejects.txt`, written only when a row is rejected. */
  readonly rejectsFile?: string;
  readonly delimiter?: string;
  readonly concurrency?: number;
  readonly progress?: boolean;
}

export interface ImportSummary {
  read: number;
  imported: number;
  skipped: number;
  rejected: number;
  rejectsFile: string | null;
}

type Outcome = 'imported' | 'skipped';

/**
 * `relance import`: a CSV export streamed through the same command handlers as the HTTP API. Rows
 * already recorded (a re-run) are skipped, not rejected; rows that cannot be recorded are written to
 * the rejects file as `file:line: reason`. Purchases of one customer are recorded in file order.
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
    const groups = (async function* () {
      for await (const row of csv.rows()) yield { rows: [row] };
    })();
    // Rows sharing an external id, email or phone run in file order, so the first one wins and the
    // later ones are skipped or rejected the same way on every run.
    const identitiesOf = (group: { rows: readonly CsvRow[] }) => {
      const values = group.rows[0]!.values;
      const email = columns.get(values, 'email')?.trim().toLowerCase();
      const phone = columns.get(values, 'phone');
      return [
        `id:${columns.get(values, 'external_id')?.trim() ?? ''}`,
        ...(email ? [`email:${email}`] : []),
        ...(phone ? [`phone:${normalisePhone(phone) ?? phone}`] : []),
      ];
    };
    return this.run(
      file,
      options,
      csv,
      groups,
      async (group, envelope) => {
        const { body } = customerOf(group.rows[0]!, columns, options.merchantId, path.basename(file));
        try {
          return await this.outcome(() => this.commands.execute(new EnrolCustomerCommand(envelope, body)), 'customer-already-enrolled');
        } catch (error) {
          throw error instanceof RequestRejected ? customerRowProblem(error, columns) : error;
        }
      },
      identitiesOf,
    );
  }

  async purchases(file: string, options: ImportOptions): Promise<ImportSummary> {
    const csv = await openCsv(file, options.delimiter ? { delimiter: options.delimiter } : {});
    const columns = Columns.resolve(csv.columns, PURCHASE_COLUMNS, file);
    const timeZone = this.contexts.merchant(options.merchantId).timeZone;
    const closed = new Map<string, number>();
    let open: { ticket: string; rows: CsvRow[] } | null = null;
    const groups = (async function* (): AsyncIterable<TicketRows & { problem?: string }> {
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
    })();
    const customerOfTicket = (group: TicketRows) => columns.get(group.rows[0]!.values, 'customer_external_id')?.trim() || null;
    const lanesOf = (group: TicketRows) => {
      const customer = customerOfTicket(group);
      return customer ? [customer] : [];
    };
    return this.run(
      file,
      options,
      csv,
      groups,
      async (group, envelope) => {
        if (!group.ticket) throw new RowProblem(`${columns.label('ticket')}: missing`);
        const { body } = purchaseOf(group, columns, options.merchantId, timeZone);
        try {
          return await this.outcome(() => this.commands.execute(new RecordPurchaseCommand(envelope, body)), 'purchase-already-recorded');
        } catch (error) {
          if (error instanceof RequestRejected) throw purchaseRowProblem(error, columns);
          if (!(error instanceof DomainError && error.code === 'customer-not-found')) throw error;
          throw new RowProblem(`${columns.label('customer_external_id')}: no customer "${customerOfTicket(group)}" (import the customers first)`);
        }
      },
      lanesOf,
    );
  }

  private async outcome(work: () => Promise<unknown>, alreadyDone: string): Promise<Outcome> {
    try {
      await work();
      return 'imported';
    } catch (error) {
      if (error instanceof DomainError && error.code === alreadyDone) return 'skipped';
      throw error;
    }
  }

  /**
   * Reads groups of rows (a row, or a ticket), runs them with bounded concurrency (groups sharing a
   * lane one after the other, in file order), counts outcomes and writes rejects. Infrastructure failures stop
   * the import: a re-run picks up where it stopped, since done rows are skipped.
   */
  private async run<G extends { rows: readonly CsvRow[]; problem?: string }>(
    file: string,
    options: ImportOptions,
    csv: CsvSource,
    groups: AsyncIterable<G>,
    work: (group: G, envelope: CommandEnvelope) => Promise<Outcome>,
    lanesOf: (group: G) => readonly string[] = () => [],
  ): Promise<ImportSummary> {
    const summary: ImportSummary = { read: 0, imported: 0, skipped: 0, rejected: 0, rejectsFile: null };
    const rejectsPath = options.rejectsFile ?? `${file}.rejects.txt`;
    const rejected: { line: number; reason: string }[] = [];
    const reject = (line: number, reason: string, rows: number) => {
      rejected.push({ line, reason });
      summary.rejected += rows;
      summary.rejectsFile = rejectsPath;
    };
    const correlationId = `import-${uuidv7()}`;
    const bar = new ProgressBar(path.basename(file), csv.size, options.progress);
    const limit = options.concurrency ?? 8;
    const inFlight = new Set<Promise<void>>();
    const lanes = new Map<string, Promise<void>>();
    let failure: unknown = null;

    for await (const group of groups) {
      if (failure) break;
      summary.read += group.rows.length;
      const line = group.rows[0]!.line;
      if (group.problem) {
        reject(line, group.problem, group.rows.length);
        continue;
      }
      const envelope = { ...systemEnvelope(options.merchantId, 'import'), correlationId };
      const keys = lanesOf(group);
      const previous = keys.map((k) => lanes.get(k)).filter((p): p is Promise<void> => p !== undefined);
      const task: Promise<void> = (async () => {
        await Promise.all(previous);
        try {
          const outcome = await work(group, envelope);
          summary[outcome] += group.rows.length;
        } catch (error) {
          const reason = reasonOf(error);
          if (reason === null) failure ??= error;
          else reject(line, reason, group.rows.length);
        }
        bar.update(csv.bytesRead(), summary.read);
      })();
      for (const key of keys) lanes.set(key, task);
      inFlight.add(task);
      void task.finally(() => {
        inFlight.delete(task);
        for (const key of keys) if (lanes.get(key) === task) lanes.delete(key);
      });
      if (inFlight.size >= limit) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    bar.finish(summary.read);
    if (rejected.length > 0) {
      rejected.sort((a, b) => a.line - b.line);
      await writeFile(rejectsPath, rejected.map((r) => `${file}:${r.line}: ${r.reason}\n`).join(''));
    }
    if (failure) throw failure;
    return summary;
  }
}

/** Why a row was refused, or null for a failure that is not the row's fault (the import stops). */
function reasonOf(error: unknown): string | null {
  if (error instanceof RowProblem) return error.message;
  if (error instanceof RequestRejected) return error.fields.map((f) => `${f.path}: ${f.message}`).join('; ');
  if (error instanceof DomainError) return `${error.code}: ${error.message}`;
  if (error instanceof ApiError && error.status < 500) return `${error.code}: ${error.message}`;
  return null;
}
