import type { parse } from '@bufbuild/cel';
import { describeType, isNumeric, CelT, withoutNull, type CelType } from './cel-types.js';

/*
 * A type checker for the CEL that audiences are written in. @bufbuild/cel parses and evaluates, but
 * its checker (not exported, in 0.6) knows only constants and names; so the audience's expression tree
 * is checked here, against the facts' declared types: unknown names and fields, wrong operand types,
 * unknown tier / segment / channel names compared with a field, and the result's type.
 *
 * Supported: literals, `customer` / `event` and their fields, `== != < <= > >=`, `&& || !`,
 * `+ - * / %`, `? :`, `in`, indexing, `size`, `has`, the string methods contains / startsWith /
 * endsWith / matches, int() / double() / string(), and the list macros all / exists / exists_one /
 * map / filter. Anything else is refused with its name.
 */

export type ParsedExpr = ReturnType<typeof parse>;
export type Expr = ParsedExpr['expr'];

export interface CheckProblem {
  readonly message: string;
  /** Offset in the expression's text, when the parser recorded one. */
  readonly offset: number | null;
}

export interface CheckResult {
  readonly type: CelType;
  readonly problems: readonly CheckProblem[];
}

type Scope = ReadonlyMap<string, CelType>;

const COMPARISONS = new Set(['_<_', '_<=_', '_>_', '_>=_']);
const ARITHMETIC = new Set(['_-_', '_*_', '_/_']);
const STRING_PREDICATES = new Set(['contains', 'startsWith', 'endsWith', 'matches']);

export function checkExpression(parsed: ParsedExpr, variables: Readonly<Record<string, CelType>>, root: Expr = parsed.expr): CheckResult {
  const checker = new Checker(parsed, variables);
  const type = checker.check(root, new Map());
  return { type, problems: checker.problems };
}

class Checker {
  readonly problems: CheckProblem[] = [];
  constructor(
    private readonly parsed: ParsedExpr,
    private readonly variables: Readonly<Record<string, CelType>>,
  ) {}

  check(expr: Expr, scope: Scope): CelType {
    const kind = expr.exprKind;
    switch (kind.case) {
      case 'constExpr':
        return constantType(kind.value.constantKind.case);
      case 'identExpr': {
        const type = scope.get(kind.value.name) ?? (Object.hasOwn(this.variables, kind.value.name) ? this.variables[kind.value.name] : undefined);
        if (type) return type;
        return this.fail(expr, `unknown name "${kind.value.name}" (available: ${Object.keys(this.variables).join(', ')})`);
      }
      case 'selectExpr': {
        const operand = kind.value.operand;
        if (!operand) return this.fail(expr, 'incomplete field selection');
        const type = this.check(operand, scope);
        const field = this.field(expr, operand, type, kind.value.field);
        return kind.value.testOnly ? CelT.bool : field;
      }
      case 'callExpr':
        return this.call(expr, kind.value.function, kind.value.target, kind.value.args, scope);
      case 'listExpr': {
        const elements = kind.value.elements.map((e) => this.check(e, scope));
        return CelT.list(unify(elements) ?? CelT.dyn);
      }
      case 'structExpr': {
        if (kind.value.messageName) return this.fail(expr, `messages (${kind.value.messageName}{…}) are not available in audiences`);
        const values = kind.value.entries.map((entry) => {
          if (entry.keyKind.case === 'mapKey') {
            const key = this.check(entry.keyKind.value, scope);
            if (key.kind !== 'string' && key.kind !== 'dyn') this.fail(entry.keyKind.value, 'map keys must be texts');
          }
          return entry.value ? this.check(entry.value, scope) : CelT.dyn;
        });
        return CelT.map(unify(values) ?? CelT.dyn);
      }
      case 'comprehensionExpr': {
        const c = kind.value;
        if (!c.iterRange || !c.accuInit || !c.loopCondition || !c.loopStep || !c.result) return this.fail(expr, 'incomplete macro');
        const range = this.check(c.iterRange, scope);
        const element = range.kind === 'list' ? range.element : range.kind === 'map' ? CelT.string : range.kind === 'dyn' ? CelT.dyn : undefined;
        if (!element) return this.fail(c.iterRange, `can only iterate over a list or a map (this is a ${describeType(range)})`);
        const initial = this.check(c.accuInit, scope);
        const inner = new Map(scope).set(c.iterVar, element).set(c.accuVar, initial);
        // map() starts from [] (a list of anything): its step says what the list really holds.
        const accumulator = refine(initial, this.quietly(() => this.check(c.loopStep!, inner)));
        const loop = new Map(scope).set(c.iterVar, element).set(c.accuVar, accumulator);
        this.check(c.loopCondition, loop);
        this.check(c.loopStep, loop);
        return this.check(c.result, new Map(scope).set(c.accuVar, accumulator));
      }
      default:
        return this.fail(expr, 'unsupported expression');
    }
  }

  private field(expr: Expr, operand: Expr, type: CelType, name: string): CelType {
    switch (type.kind) {
      case 'object': {
        const field = Object.hasOwn(type.fields, name) ? type.fields[name] : undefined;
        if (field) return field;
        return this.fail(expr, `unknown field "${name}" of ${describeOperand(operand) ?? type.name} (fields: ${Object.keys(type.fields).join(', ')})`);
      }
      case 'map':
        return type.value;
      case 'dyn':
        return CelT.dyn;
      default:
        return this.fail(expr, `"${name}": a ${describeType(type)} has no fields`);
    }
  }

  private call(expr: Expr, fn: string, target: Expr | undefined, args: readonly Expr[], scope: Scope): CelType {
    const at = (i: number) => this.check(args[i]!, scope);
    if (fn === '_&&_' || fn === '_||_') {
      args.forEach((arg, i) => this.expectBool(arg, at(i), fn === '_&&_' ? '&&' : '||'));
      return CelT.bool;
    }
    if (fn === '!_' || fn === '@not_strictly_false') {
      this.expectBool(args[0]!, at(0), '!');
      return CelT.bool;
    }
    if (fn === '_==_' || fn === '_!=_') {
      this.comparable(expr, args[0]!, at(0), args[1]!, at(1), fn === '_==_' ? '==' : '!=');
      return CelT.bool;
    }
    if (COMPARISONS.has(fn)) {
      const [a, b] = [at(0), at(1)];
      const ordered = (isNumeric(a) && isNumeric(b)) || (a.kind === 'string' && b.kind === 'string') || a.kind === 'dyn' || b.kind === 'dyn';
      if (!ordered) this.fail(expr, `cannot order a ${describeType(a)} and a ${describeType(b)} (${operatorOf(fn)})`);
      return CelT.bool;
    }
    if (fn === '_+_') return this.plus(expr, at(0), at(1));
    if (ARITHMETIC.has(fn) || fn === '_%_') {
      const [a, b] = [withoutNull(at(0)), withoutNull(at(1))];
      if (a.kind === 'dyn' || b.kind === 'dyn') return CelT.dyn;
      if (!isNumeric(a) || !isNumeric(b)) return this.fail(expr, `${operatorOf(fn)} needs numbers (got a ${describeType(a)} and a ${describeType(b)})`);
      if (a.kind !== b.kind) return this.fail(expr, mixedNumbers(operatorOf(fn)));
      if (fn === '_%_' && a.kind !== 'int') return this.fail(expr, '% needs whole numbers');
      return a;
    }
    if (fn === '-_') {
      const a = withoutNull(at(0));
      if (!isNumeric(a) && a.kind !== 'dyn') return this.fail(expr, `cannot negate a ${describeType(a)}`);
      return a;
    }
    if (fn === '_?_:_') {
      this.expectBool(args[0]!, at(0), '? :');
      const branches = [at(1), at(2)];
      const type = unify(branches);
      if (!type) return this.fail(expr, `both branches of ? : must have the same type (got a ${describeType(branches[0]!)} and a ${describeType(branches[1]!)})`);
      return type;
    }
    if (fn === '@in') return this.membership(expr, args[0]!, at(0), args[1]!, at(1));
    if (fn === '_[_]') return this.index(expr, at(0), at(1));
    if (fn === 'size') {
      const subject = target ? this.check(target, scope) : args.length === 1 ? at(0) : undefined;
      if (!subject || (target && args.length > 0)) return this.fail(expr, 'size takes one list, map or text');
      const s = withoutNull(subject);
      if (!['string', 'list', 'map', 'dyn'].includes(s.kind)) return this.fail(expr, `size of a ${describeType(subject)}`);
      return CelT.int;
    }
    if (STRING_PREDICATES.has(fn)) {
      if (!target || args.length !== 1) return this.fail(expr, `write text.${fn}("…")`);
      const subject = withoutNull(this.check(target, scope));
      const arg = withoutNull(at(0));
      if (subject.kind !== 'string' && subject.kind !== 'dyn') this.fail(expr, `${fn} applies to a text (got a ${describeType(subject)})`);
      if (arg.kind !== 'string' && arg.kind !== 'dyn') this.fail(args[0]!, `${fn} takes a text (got a ${describeType(arg)})`);
      if (fn === 'matches') this.checkPattern(args[0]!);
      return CelT.bool;
    }
    if ((fn === 'int' || fn === 'double' || fn === 'string') && !target && args.length === 1) {
      const from = withoutNull(at(0));
      const allowed = fn === 'string' ? ['int', 'double', 'string', 'bool', 'dyn'] : ['int', 'double', 'string', 'dyn'];
      if (!allowed.includes(from.kind)) return this.fail(expr, `${fn}() of a ${describeType(from)}`);
      return fn === 'int' ? CelT.int : fn === 'double' ? CelT.double : CelT.string;
    }
    for (const arg of args) this.check(arg, scope);
    if (target) this.check(target, scope);
    return this.fail(expr, `unknown function "${fn}"`);
  }

  private plus(expr: Expr, left: CelType, right: CelType): CelType {
    const [a, b] = [withoutNull(left), withoutNull(right)];
    if (a.kind === 'dyn' || b.kind === 'dyn') return CelT.dyn;
    if (isNumeric(a) && isNumeric(b)) return a.kind === b.kind ? a : this.fail(expr, mixedNumbers('+'));
    if (a.kind === 'string' && b.kind === 'string') return CelT.string;
    if (a.kind === 'list' && b.kind === 'list') return CelT.list(unify([a.element, b.element]) ?? CelT.dyn);
    return this.fail(expr, `cannot add a ${describeType(a)} and a ${describeType(b)}`);
  }

  private membership(expr: Expr, itemExpr: Expr, item: CelType, containerExpr: Expr, container: CelType): CelType {
    const c = withoutNull(container);
    if (c.kind === 'list') {
      if (!compatible(item, c.element)) this.fail(expr, `"in" compares a ${describeType(item)} with a list of ${describeType(c.element)}`);
      else {
        this.knownValue(item, containerExpr);
        this.knownValue(c.element, itemExpr);
      }
    } else if (c.kind === 'map') {
      if (!compatible(item, CelT.string)) this.fail(expr, `"in" a map looks up a text key (got a ${describeType(item)})`);
    } else if (c.kind !== 'dyn') {
      this.fail(expr, `"in" needs a list or a map on its right (got a ${describeType(container)})`);
    }
    return CelT.bool;
  }

  private index(expr: Expr, container: CelType, key: CelType): CelType {
    const c = withoutNull(container);
    const k = withoutNull(key);
    if (c.kind === 'list') {
      if (k.kind !== 'int' && k.kind !== 'dyn') return this.fail(expr, `a list is indexed by a whole number (got a ${describeType(key)})`);
      return c.element;
    }
    if (c.kind === 'map') {
      if (k.kind !== 'string' && k.kind !== 'dyn') return this.fail(expr, `a map is indexed by a text (got a ${describeType(key)})`);
      return c.value;
    }
    if (c.kind === 'object') return this.fail(expr, `write ${c.name}.field rather than ${c.name}["field"]`);
    if (c.kind === 'dyn') return CelT.dyn;
    return this.fail(expr, `a ${describeType(container)} cannot be indexed`);
  }

  private comparable(expr: Expr, leftExpr: Expr, left: CelType, rightExpr: Expr, right: CelType, operator: string): void {
    if (left.kind === 'null' || right.kind === 'null') {
      const other = left.kind === 'null' ? right : left;
      const otherExpr = left.kind === 'null' ? rightExpr : leftExpr;
      if (!other.nullable && other.kind !== 'dyn' && other.kind !== 'null') {
        this.fail(expr, `${describeOperand(otherExpr) ?? 'this value'} is never null (a ${describeType(other)})`);
      }
      return;
    }
    if (!compatible(left, right)) {
      this.fail(expr, `cannot compare a ${describeType(left)} with a ${describeType(right)} (${operator})`);
      return;
    }
    this.knownValue(left, rightExpr);
    this.knownValue(right, leftExpr);
  }

  /** A literal compared with a field that takes known values must be one of them. */
  private knownValue(type: CelType, literal: Expr): void {
    if (type.kind !== 'string' || !type.vocabulary) return;
    const { label, values } = type.vocabulary;
    const literals =
      literal.exprKind.case === 'listExpr' ? literal.exprKind.value.elements : literal.exprKind.case === 'constExpr' ? [literal] : [];
    for (const item of literals) {
      if (item.exprKind.case !== 'constExpr' || item.exprKind.value.constantKind.case !== 'stringValue') continue;
      const value = item.exprKind.value.constantKind.value;
      if (!values.includes(value)) this.fail(item, `unknown ${label} "${value}" (${label}s: ${values.join(', ') || 'none'})`);
    }
  }

  private checkPattern(pattern: Expr): void {
    if (pattern.exprKind.case !== 'constExpr' || pattern.exprKind.value.constantKind.case !== 'stringValue') return;
    try {
      new RegExp(pattern.exprKind.value.constantKind.value, 'u');
    } catch (error) {
      this.fail(pattern, `not a valid pattern: ${(error as Error).message}`);
    }
  }

  private expectBool(expr: Expr, type: CelType, operator: string): void {
    if (type.kind === 'bool' || type.kind === 'dyn') {
      if (type.nullable) this.fail(expr, `${describeOperand(expr) ?? 'this value'} may be null: compare it first (${operator} needs true or false)`);
      return;
    }
    this.fail(expr, `${operator} needs true or false (got a ${describeType(type)})`);
  }

  /** Runs a check whose problems are reported by a later pass (the comprehension's second look). */
  private quietly(check: () => CelType): CelType {
    const before = this.problems.length;
    const type = check();
    this.problems.length = before;
    return type;
  }

  private fail(expr: Expr, message: string): CelType {
    const offset = this.parsed.sourceInfo?.positions[String(expr.id)];
    this.problems.push({ message, offset: offset ?? null });
    return CelT.dyn;
  }
}

function constantType(kind: string | undefined): CelType {
  switch (kind) {
    case 'int64Value':
      return CelT.int;
    case 'uint64Value':
      return CelT.int;
    case 'doubleValue':
      return CelT.double;
    case 'stringValue':
      return CelT.string;
    case 'boolValue':
      return CelT.bool;
    case 'nullValue':
      return CelT.null;
    default:
      return CelT.dyn;
  }
}

/** Whether two values may be compared for equality (numbers with numbers, texts with texts…). */
export function compatible(a: CelType, b: CelType): boolean {
  if (a.kind === 'dyn' || b.kind === 'dyn') return true;
  if (a.kind === 'null' || b.kind === 'null') return true;
  if (isNumeric(a) && isNumeric(b)) return true;
  if (a.kind !== b.kind) return false;
  if (a.kind === 'list' && b.kind === 'list') return compatible(a.element, b.element);
  if (a.kind === 'map' && b.kind === 'map') return compatible(a.value, b.value);
  if (a.kind === 'object' && b.kind === 'object') return a.name === b.name;
  return true;
}

/** The common type of several values, or undefined when they differ. */
function unify(types: readonly CelType[]): CelType | undefined {
  if (types.length === 0) return undefined;
  const nullable = types.some((t) => t.nullable || t.kind === 'null');
  const solid = types.filter((t) => t.kind !== 'dyn' && t.kind !== 'null');
  if (solid.length === 0) return types.some((t) => t.kind === 'dyn') ? CelT.dyn : CelT.null;
  const base = withoutNull(solid[0]!);
  if (!solid.every((t) => t.kind === base.kind && compatible(t, base))) return undefined;
  // Values of one vocabulary keep it; a mix of vocabularies is plain text.
  const sameVocabulary = solid.every((t) => t.kind !== 'string' || base.kind !== 'string' || t.vocabulary === base.vocabulary);
  const merged = sameVocabulary || base.kind !== 'string' ? base : CelT.string;
  return nullable ? { ...merged, nullable: true } : merged;
}

function refine(initial: CelType, step: CelType): CelType {
  if (initial.kind === 'list' && initial.element.kind === 'dyn' && step.kind === 'list') return step;
  return initial;
}

/** `customer.tier` for a field selection, for messages. */
function describeOperand(expr: Expr): string | undefined {
  const kind = expr.exprKind;
  if (kind.case === 'identExpr') return kind.value.name;
  if (kind.case === 'selectExpr' && kind.value.operand) {
    const operand = describeOperand(kind.value.operand);
    return operand === undefined ? undefined : `${operand}.${kind.value.field}`;
  }
  return undefined;
}

function operatorOf(fn: string): string {
  return fn.replace(/_/g, '');
}

function mixedNumbers(operator: string): string {
  return `${operator} mixes a whole and a decimal number: write both alike (150 and 150.0 differ here), or convert with int() / double()`;
}
