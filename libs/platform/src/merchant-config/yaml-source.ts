import { isMap, isSeq, isScalar, LineCounter, parseDocument, Scalar, type Document, type Node } from 'yaml';
import path from 'node:path';
import { formatConfigPath, type ConfigIssue } from '@relance/domain';

/** One problem in a configuration file, where an operator will look for it. */
export interface ConfigProblem {
  readonly file: string;
  readonly line: number;
  /** `tiers.levels[1].minSpendCents`, or null for a problem with the file as a whole (YAML syntax). */
  readonly path: string | null;
  readonly message: string;
}

export function formatProblem(problem: ConfigProblem): string {
  return `${problem.file}:${problem.line}: ${problem.path === null ? '' : `${problem.path}: `}${problem.message}`;
}

/** A YAML file parsed with positions kept, so that a path in its data can be traced back to a line. */
export class YamlSource {
  private constructor(
    readonly file: string,
    readonly data: unknown,
    readonly syntaxProblems: readonly ConfigProblem[],
    private readonly document: Document,
    private readonly lines: LineCounter,
  ) {}

  static parse(file: string, text: string): YamlSource {
    const lines = new LineCounter();
    const document = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
    const syntaxProblems = document.errors.map((error) => ({
      file,
      line: error.linePos?.[0].line ?? 1,
      path: null,
      // The position is already in file:line; the rest of yaml's message repeats the source.
      message: `YAML: ${error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.code}`,
    }));
    const data = syntaxProblems.length > 0 ? undefined : (document.toJS() as unknown);
    return new YamlSource(file, data, syntaxProblems, document, lines);
  }

  /**
   * The line of the deepest node on `path` that exists: the key itself for a mapping entry (so a
   * missing or wrong value points at its key), the item for a list entry, the parent for something
   * missing.
   */
  lineOf(path: readonly (string | number)[]): number {
    let node: unknown = this.document.contents;
    let line = node ? this.lineOfNode(node as Node) : 1;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        line = this.lineOfNode(pair.key as Node);
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        if (!item) break;
        line = this.lineOfNode(item as Node);
        node = item;
      } else {
        break;
      }
    }
    return line;
  }

  /**
   * The line of line `innerLine` (1-based) of the text at `path`: exact inside a literal block (`|`),
   * whose lines are the text's lines; the value's own line otherwise.
   */
  lineWithin(path: readonly (string | number)[], innerLine: number): number {
    const node = this.nodeAt(path);
    if (isScalar(node) && node.type === Scalar.BLOCK_LITERAL) return this.lineOfNode(node) + innerLine;
    return this.lineOf(path);
  }

  problemsOf(issues: readonly (ConfigIssue & { readonly line?: number })[]): ConfigProblem[] {
    return issues.map((issue) => ({
      file: this.file,
      line: issue.line === undefined ? this.lineOf(issue.path) : this.lineWithin(issue.path, issue.line),
      path: formatConfigPath(issue.path),
      message: issue.message,
    }));
  }

  private nodeAt(path: readonly (string | number)[]): unknown {
    let node: unknown = this.document.contents;
    for (const segment of path) {
      if (isMap(node)) node = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment))?.value;
      else if (isSeq(node) && typeof segment === 'number') node = node.items[segment];
      else return undefined;
    }
    return node;
  }

  private lineOfNode(node: Node): number {
    const offset = node.range?.[0];
    return offset === undefined ? 1 : this.lines.linePos(offset).line;
  }
}

/** Relative to the working directory when inside it (config/merchants/…), as an operator types it. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
