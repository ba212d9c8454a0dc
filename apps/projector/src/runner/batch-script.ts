import type { Sql } from '@relance/platform';
import { arrayLiteral } from '../projections/columns.js';

/**
 * A batch's statements as one script for PostgreSQL's simple query protocol: one round trip for the
 * whole transaction instead of one per statement. Each statement waited for this thread to send the
 * next, and this thread is busy preparing the following batch: PostgreSQL sat idle half the time.
 * Parameters become quoted literals, which PostgreSQL types exactly as it types untyped parameters.
 */
export function scriptOf(statements: readonly Sql[]): string {
  return statements.map(inline).join(';\n');
}

/** The statement with every $n replaced by its value as a literal. */
export function inline(statement: Sql): string {
  const values = statement.values ?? [];
  return statement.text.replace(/\$(\d+)/g, (_, n: string) => literal(values[Number(n) - 1]));
}

export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (Array.isArray(value)) return quote(arrayLiteral(value));
  if (value instanceof Date) return quote(value.toISOString());
  if (Buffer.isBuffer(value)) return quote(`\\x${value.toString('hex')}`);
  if (typeof value === 'object') return quote(JSON.stringify(value));
  return quote(String(value));
}

/** Single quotes doubled; with a backslash, the E'' form so that it means the same whatever standard_conforming_strings says. */
function quote(text: string): string {
  // Column literals run to megabytes and rarely hold either character: look before rewriting.
  const body = text.includes("'") ? text.replace(/'/g, "''") : text;
  return body.includes('\\') ? `E'${body.replace(/\\/g, '\\\\')}'` : `'${body}'`;
}
