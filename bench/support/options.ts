import { parseArgs } from 'node:util';
import { UsageError } from '@relance/platform';

type Spec = Record<string, { default: string; help: string }>;

/** Parses `--name value` integer/string options against a spec, with defaults; unknown ones are errors. */
export function benchOptions<S extends Spec>(args: readonly string[], spec: S): { [K in keyof S]: string } {
  try {
    const { values } = parseArgs({
      args: [...args],
      options: Object.fromEntries(Object.keys(spec).map((k) => [k, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    });
    return Object.fromEntries(
      Object.entries(spec).map(([k, v]) => [k, (values as Record<string, string | undefined>)[k] ?? v.default]),
    ) as { [K in keyof S]: string };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function positiveInt(value: string, name: string): number {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer (got "${value}")`);
  return n;
}
