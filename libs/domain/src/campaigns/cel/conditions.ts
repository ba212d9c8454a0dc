import { celEnv, isCelError, parse, plan, unparse, type CelEnv, type CelValue } from '@bufbuild/cel';
import type { EvaluatedCondition } from '../../events/campaign.events.js';
import { checkExpression, type Expr, type ParsedExpr } from './cel-check.js';
import { WITHHELD_FACTS } from '../facts/customer-facts.js';
import { describeType, type CelType } from './cel-types.js';

/*
 * Audiences and trigger filters: CEL conditions parsed and type-checked once, when the configuration
 * is validated, then evaluated against plain facts. An audience is a list of conditions; each one is
 * also split at its top-level `&&`, so that the decision records every condition with the facts it
 * read and whether it passed ("customer.segment" was "loyal": passed).
 */

export type Variables = Readonly<Record<string, CelType>>;

export interface CompiledCondition {
  /** As written (one top-level condition of it, when it was split at `&&`). */
  readonly expression: string;
  /** The facts it reads, e.g. ["customer.segment", "event.totalCents"]. */
  readonly inputs: readonly string[];
  readonly run: (bindings: Record<string, unknown>) => unknown;
}

export interface CompiledConditions {
  readonly variables: Variables;
  readonly conditions: readonly CompiledCondition[];
}

export interface ConditionProblem {
  /** Which of the sources (0-based). */
  readonly index: number;
  /** Line and column inside that source (1-based), when known. */
  readonly line: number;
  readonly column: number | null;
  readonly message: string;
}

export type CompileResult = { ok: true; compiled: CompiledConditions } | { ok: false; problems: ConditionProblem[] };

/** Longest condition kept in a decision record. */
export const MAX_CONDITION_LENGTH = 2000;

const env: CelEnv = celEnv();

export function compileConditions(sources: readonly string[], variables: Variables): CompileResult {
  const problems: ConditionProblem[] = [];
  const conditions: CompiledCondition[] = [];
  sources.forEach((source, index) => {
    const text = source.trim();
    if (text.length === 0) {
      problems.push({ index, line: 1, column: null, message: 'empty condition' });
      return;
    }
    if (text.length > MAX_CONDITION_LENGTH) {
      problems.push({ index, line: 1, column: null, message: `longer than ${MAX_CONDITION_LENGTH} characters: split it into several conditions` });
      return;
    }
    let parsed: ParsedExpr;
    try {
      parsed = parse(text);
    } catch (error) {
      const location = (error as { location?: { start?: { line?: number; column?: number; offset?: number } } }).location?.start;
      const raw = (error as { rawMessage?: string }).rawMessage ?? (error as Error).message;
      const rest = location?.offset === undefined ? '' : text.slice(location.offset).split('\n')[0]!.trim().slice(0, 20);
      const near = rest.length === 0 ? 'the condition is incomplete' : `cannot read on from "${rest}"`;
      problems.push({ index, line: location?.line ?? 1, column: location?.column ?? null, message: `CEL syntax: ${near} (${raw})` });
      return;
    }
    const checked = checkExpression(parsed, variables);
    if (checked.problems.length > 0) {
      for (const p of checked.problems) problems.push({ index, ...position(text, p.offset), message: p.message });
      return;
    }
    const result = checked.type;
    if ((result.kind !== 'bool' && result.kind !== 'dyn') || result.nullable) {
      problems.push({ index, line: 1, column: null, message: `a condition must be true or false (this one gives a ${describeType(result)})` });
      return;
    }
    const parts = topLevelConjuncts(parsed.expr);
    for (const part of parts) {
      conditions.push({
        expression: parts.length === 1 ? oneLine(text) : unparse({ ...parsed, expr: part } as ParsedExpr),
        inputs: factPaths(part, new Set(Object.keys(variables))),
        run: plan(env, part) as (bindings: Record<string, unknown>) => unknown,
      });
    }
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, compiled: { variables, conditions } };
}

/** Whether a campaign's conditions read a fact (`customer.ageYears`): the runtime computes costly facts only then. */
export function readsFact(compiled: CompiledConditions | null, path: string): boolean {
  return compiled !== null && compiled.conditions.some((c) => c.inputs.some((input) => input === path || input.startsWith(`${path}.`) || path.startsWith(`${input}.`)));
}

export interface ConditionsOutcome {
  readonly passed: boolean;
  readonly conditions: EvaluatedCondition[];
}

/**
 * Evaluates every condition (not only up to the first that fails), so that the record says all of
 * them. A condition that cannot be evaluated (a comparison with an unknown age) does not pass.
 */
export function evaluateConditions(compiled: CompiledConditions, facts: Readonly<Record<string, unknown>>): ConditionsOutcome {
  const bindings: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(compiled.variables)) {
    if (Object.hasOwn(facts, name)) bindings[name] = toCel(facts[name], type, name);
  }
  const conditions = compiled.conditions.map((condition): EvaluatedCondition => {
    const inputs = Object.fromEntries(condition.inputs.map((path) => [path, recordable(path, valueAt(facts, path))]));
    const result = condition.run(bindings);
    const value = condition.inputs.length > 0 ? inputs : recordable('', fromCel(result));
    if (isCelError(result)) {
      const unknown = condition.inputs.find((path) => inputs[path] === null);
      const error = unknown ? `${unknown} is null (unknown)` : result.message;
      return { expression: condition.expression, value, passed: false, error: error.slice(0, 500) };
    }
    return { expression: condition.expression, value, passed: result === true, error: null };
  });
  return { passed: conditions.every((c) => c.passed), conditions };
}

function topLevelConjuncts(expr: Expr): Expr[] {
  const kind = expr.exprKind;
  if (kind.case === 'callExpr' && kind.value.function === '_&&_' && !kind.value.target) return kind.value.args.flatMap(topLevelConjuncts);
  return [expr];
}

/** The fact paths a condition reads: maximal field selections from a fact variable (not from a macro's own variable). */
function factPaths(expr: Expr, facts: ReadonlySet<string>, bound: ReadonlySet<string> = new Set()): string[] {
  const paths = new Set<string>();
  const visit = (e: Expr | undefined, scope: ReadonlySet<string>): void => {
    if (!e) return;
    const path = selectionPath(e);
    if (path && facts.has(path[0]!) && !scope.has(path[0]!)) {
      if (path.length > 1 || e.exprKind.case === 'identExpr') paths.add(path.join('.'));
      return;
    }
    const kind = e.exprKind;
    switch (kind.case) {
      case 'selectExpr':
        visit(kind.value.operand, scope);
        break;
      case 'callExpr':
        visit(kind.value.target, scope);
        kind.value.args.forEach((a) => visit(a, scope));
        break;
      case 'listExpr':
        kind.value.elements.forEach((a) => visit(a, scope));
        break;
      case 'structExpr':
        kind.value.entries.forEach((entry) => {
          if (entry.keyKind.case === 'mapKey') visit(entry.keyKind.value, scope);
          visit(entry.value, scope);
        });
        break;
      case 'comprehensionExpr': {
        const c = kind.value;
        visit(c.iterRange, scope);
        visit(c.accuInit, scope);
        const inner = new Set([...scope, c.iterVar, c.accuVar]);
        visit(c.loopCondition, inner);
        visit(c.loopStep, inner);
        visit(c.result, new Set([...scope, c.accuVar]));
        break;
      }
      default:
        break;
    }
  };
  visit(expr, bound);
  return [...paths];
}

function selectionPath(expr: Expr): string[] | undefined {
  const kind = expr.exprKind;
  if (kind.case === 'identExpr') return [kind.value.name];
  if (kind.case === 'selectExpr' && kind.value.operand) {
    const operand = selectionPath(kind.value.operand);
    return operand ? [...operand, kind.value.field] : undefined;
  }
  return undefined;
}

function valueAt(facts: Readonly<Record<string, unknown>>, path: string): unknown {
  let value: unknown = facts;
  for (const segment of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** Facts as CEL expects them: whole numbers as bigint (CEL's int), guided by the declared types. */
export function toCel(value: unknown, type: CelType, path: string): unknown {
  if (value === null || value === undefined) {
    if (type.nullable || type.kind === 'dyn' || type.kind === 'null') return null;
    throw new TypeError(`Fact ${path} is missing (a ${describeType(type)} is required)`);
  }
  switch (type.kind) {
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`Fact ${path} must be a whole number (got ${String(value)})`);
      return BigInt(value);
    case 'double':
      if (typeof value !== 'number') throw new TypeError(`Fact ${path} must be a number`);
      return value;
    case 'list':
      if (!Array.isArray(value)) throw new TypeError(`Fact ${path} must be a list`);
      return value.map((item, i) => toCel(item, type.element, `${path}[${i}]`));
    case 'map':
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toCel(v, type.value, `${path}.${k}`)]));
    case 'object':
      return Object.fromEntries(
        Object.entries(type.fields).map(([field, fieldType]) => [field, toCel((value as Record<string, unknown>)[field], fieldType, `${path}.${field}`)]),
      );
    case 'dyn':
      return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value;
    default:
      return value;
  }
}

/** A CEL result back in JSON terms, for the decision record. */
function fromCel(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (isCelError(value)) return null;
  if (value === null || typeof value !== 'object') return value;
  const iterable = value as { [Symbol.iterator]?: unknown };
  if (typeof iterable[Symbol.iterator] === 'function') return [...(value as Iterable<CelValue>)].map(fromCel);
  return String(value);
}

const MAX_RECORDED_ITEMS = 20;

/**
 * What the record keeps of a fact: withheld facts (an age) as whether they were known; long lists
 * shortened (it says what was compared, not every item).
 */
function recordable(path: string, value: unknown): unknown {
  if (value === undefined) return null;
  if (WITHHELD_FACTS.has(path)) return value === null ? null : 'withheld';
  if (Array.isArray(value) && value.length > MAX_RECORDED_ITEMS) {
    return [...value.slice(0, MAX_RECORDED_ITEMS), `… ${value.length - MAX_RECORDED_ITEMS} more`];
  }
  return value;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

function position(text: string, offset: number | null): { line: number; column: number | null } {
  if (offset === null) return { line: 1, column: null };
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
