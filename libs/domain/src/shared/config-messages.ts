import type { z } from 'zod';

/**
 * Messages for configuration written by people (YAML in git): short, in the operator's terms
 * ("required", "must be at least 0") rather than zod's ("Invalid input: expected number, received
 * undefined"). Messages set on a schema itself win over these.
 */
export function configIssueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required';
      return `must be ${article(issue.expected)} (got ${describeValue(issue.input)})`;
    case 'unrecognized_keys':
      return issue.keys.length === 1
        ? `unknown setting "${issue.keys[0]}"`
        : `unknown settings ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_value':
      return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')} (got ${describeValue(issue.input)})`;
    case 'too_small':
      if (issue.origin === 'array') return `must have at least ${String(issue.minimum)} item(s)`;
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'must not be empty' : `must be at least ${String(issue.minimum)} characters`;
      return `must be ${issue.inclusive ? 'at least' : 'greater than'} ${String(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'array') return `must have at most ${String(issue.maximum)} items`;
      if (issue.origin === 'string') return `must be at most ${String(issue.maximum)} characters`;
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}`;
    default:
      return undefined;
  }
}

function article(expected: string): string {
  switch (expected) {
    case 'int':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'string':
      return 'a text';
    case 'boolean':
      return 'true or false';
    case 'object':
      return 'a mapping (key: value)';
    case 'array':
      return 'a list';
    case 'record':
      return 'a mapping (key: value)';
    default:
      return expected;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}

/** A problem in a configuration document, located by its path in the document. */
export interface ConfigIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export function toConfigIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.flatMap((issue) =>
    // One issue per unknown key, so each can point at its own line.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: [...issue.path, key] as (string | number)[], message: 'unknown setting' }))
      : [{ path: issue.path.filter((p): p is string | number => typeof p !== 'symbol'), message: issue.message }],
  );
}

/** `tiers.levels[1].minSpendCents` */
export function formatConfigPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
