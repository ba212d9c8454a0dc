import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { SeededRandom } from './seeded-random.js';

export interface PosExport {
  readonly rows: number;
  readonly tickets: number;
  readonly customers: number;
  /** Tickets of returned lines (negative quantities), half of them naming the ticket they take back. */
  readonly returnTickets: number;
  /** Lines the importer cannot read: an empty description, a negative price, a zero quantity. */
  readonly badLines: number;
}

interface Sale {
  readonly ticket: string;
  readonly customer: string;
  readonly lines: readonly { sku: string; name: string; price: string; quantity: number }[];
}

const HEADER = 'ticket;numero_client;magasin;date;code_article;libelle;categorie;quantite;prix_unitaire;remise;ticket_origine\n';

/**
 * A year of a shop's till, as its POS exports it (";" and decimal commas): tickets of 1 to 39 lines,
 * a quarter of them anonymous; about one ticket in seven a return of one or two lines of a recent
 * ticket of the same buyer, half naming it; one line in a hundred unreadable. The same rows for the
 * same arguments.
 */
export async function writePosExport(ticketsFile: string, customersFile: string, rows: number, seed = 20): Promise<PosExport> {
  const random = new SeededRandom(seed);
  const customers = Math.max(10, Math.round(rows / 120));
  const skus = Array.from({ length: 3000 }, (_, i) => {
    const cents = 25 + Math.floor(random.next() * 4000);
    // One SKU in 500 priced in tenths of a cent, as some wholesale exports write them.
    const price = i % 500 === 7 ? `0,00${1 + (i % 9)}` : `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, '0')}`;
    return { sku: `SKU${String(i).padStart(5, '0')}`, name: `Article ${i}`, price, category: ['rouge', 'blanc', 'champagne', 'spiritueux', 'epicerie'][i % 5]! };
  });
  const customerFile = createWriteStream(customersFile);
  customerFile.write('numero_client;prenom;email\n');
  for (let c = 1; c <= customers; c++) {
    if (!customerFile.write(`CL${c};Client ${c};client${c}@example.test\n`)) await once(customerFile, 'drain');
  }
  customerFile.end();
  await once(customerFile, 'finish');

  const out = createWriteStream(ticketsFile);
  out.write(HEADER);
  const recent: Sale[] = [];
  const stats = { rows: 0, tickets: 0, returnTickets: 0, badLines: 0 };
  const start = Date.parse('2025-01-02T08:00:00Z');
  const yearMs = 360 * 86_400_000;
  const write = async (line: string) => {
    stats.rows++;
    if (!out.write(line)) await once(out, 'drain');
  };
  while (stats.rows < rows) {
    stats.tickets++;
    const ticket = `T${stats.tickets}`;
    const at = new Date(start + Math.floor((stats.rows / rows) * yearMs));
    const date = `${String(at.getUTCDate()).padStart(2, '0')}/${String(at.getUTCMonth() + 1).padStart(2, '0')}/${at.getUTCFullYear()} ${String(at.getUTCHours()).padStart(2, '0')}:${String(at.getUTCMinutes()).padStart(2, '0')}`;
    const store = random.next() < 0.7 ? 'halles' : 'croix-rousse';
    if (recent.length > 20 && random.next() < 1 / 7) {
      const sale = recent[random.int(0, recent.length - 1)]!;
      const named = random.next() < 0.5;
      stats.returnTickets++;
      for (const line of sale.lines.slice(0, random.int(1, Math.min(2, sale.lines.length)))) {
        await write(`C${ticket};${sale.customer};${store};${date};${line.sku};${line.name};;-${random.int(1, line.quantity)};${line.price};0;${named ? sale.ticket : ''}\n`);
      }
      continue;
    }
    const customer = random.next() < 0.25 ? '' : `CL${random.int(1, customers)}`;
    const lines: Sale['lines'][number][] = [];
    const count = Math.min(random.int(1, 39), rows - stats.rows);
    for (let k = 0; k < count; k++) {
      const item = skus[random.int(0, skus.length - 1)]!;
      const quantity = random.int(1, 6);
      const odd = random.next();
      if (odd < 0.004) {
        stats.badLines++;
        await write(`${ticket};${customer};${store};${date};${item.sku};;${item.category};${quantity};${item.price};0;\n`);
      } else if (odd < 0.007) {
        stats.badLines++;
        await write(`${ticket};${customer};${store};${date};ADJUST;Ajustement dette;;1;-${item.price};0;\n`);
      } else if (odd < 0.01) {
        stats.badLines++;
        await write(`${ticket};${customer};${store};${date};${item.sku};${item.name};${item.category};0;${item.price};0;\n`);
      } else {
        lines.push({ sku: item.sku, name: item.name, price: item.price, quantity });
        await write(`${ticket};${customer};${store};${date};${item.sku};${item.name};${item.category};${quantity};${item.price};0;\n`);
      }
    }
    if (customer && lines.length > 0) {
      recent.push({ ticket, customer, lines });
      if (recent.length > 2000) recent.shift();
    }
  }
  out.end();
  await once(out, 'finish');
  return { ...stats, customers };
}
