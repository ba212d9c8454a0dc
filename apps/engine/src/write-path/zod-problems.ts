import { configIssueMessage, formatConfigPath } from '@relance/domain';
import type { z } from 'zod';
import type { FieldProblem } from './application-errors.js';

/** Messages in the caller's terms ("must be a whole number (got "2.5")"), the same as for config files. */
export const apiIssueMessage = (issue: z.core.$ZodRawIssue): string | undefined => configIssueMessage(issue);

/** Every issue of a parse, each with the path of its field (`lines[0].quantity`); one per unknown field. */
export function fieldProblems(error: z.ZodError, prefix: readonly (string | number)[] = []): FieldProblem[] {
  return error.issues.flatMap((issue) => {
    const at = [...prefix, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: formatConfigPath([...at, key]), message: 'unknown field' }));
    }
    return [{ path: at.length === 0 ? '(body)' : formatConfigPath(at), message: issue.message }];
  });
}

/** Parses or returns the problems, with the messages above. */
export function parseWith<T extends z.ZodType>(
  schema: T,
  input: unknown,
  prefix: readonly (string | number)[] = [],
): { ok: true; value: z.output<T> } | { ok: false; problems: FieldProblem[] } {
  const result = schema.safeParse(input, { error: apiIssueMessage });
  return result.success ? { ok: true, value: result.data } : { ok: false, problems: fieldProblems(result.error, prefix) };
}
