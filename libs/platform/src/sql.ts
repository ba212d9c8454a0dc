/**
 * A tiny tagged template for parameterized SQL: values become $n placeholders, never text.
 * Identifiers (table names chosen at run time, such as blue/green read-model tables) go through
 * `ident`, which only accepts plain lower-case names.
 */
export interface Sql {
  readonly text: string;
  readonly values: unknown[];
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

class Identifier {
  constructor(readonly name: string) {}
}

class Fragment {
  constructor(readonly strings: readonly string[], readonly values: readonly unknown[]) {}
}

export function ident(name: string): Identifier {
  if (!IDENTIFIER.test(name)) throw new Error(`Unsafe SQL identifier "${name}"`);
  return new Identifier(name);
}

/** A piece of SQL to embed in another `sql` template, placeholders renumbered. */
export function fragment(strings: TemplateStringsArray, ...values: unknown[]): Fragment {
  return new Fragment(strings, values);
}

export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  const out: unknown[] = [];
  const text = render(strings, values, out);
  return { text, values: out };
}

function render(strings: readonly string[], values: readonly unknown[], out: unknown[]): string {
  let text = strings[0] ?? '';
  values.forEach((value, i) => {
    if (value instanceof Identifier) text += `"${value.name}"`;
    else if (value instanceof Fragment) text += render(value.strings, value.values, out);
    else {
      out.push(value);
      text += `$${out.length}`;
    }
    text += strings[i + 1] ?? '';
  });
  return text;
}
