import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  canonicalJson,
  configIssueMessage,
  MerchantId,
  parseProgram,
  toConfigIssues,
  type ActiveProgram,
  type Program,
} from '@relance/domain';
import { MerchantFile } from './merchant.schema.js';
import { displayPath, formatProblem, YamlSource, type ConfigProblem } from './yaml-source.js';

/** A merchant as configured in config/merchants/<merchantId>/: merchant.yaml and program.yaml. */
export interface MerchantConfig extends MerchantFile {
  readonly program: ActiveProgram;
}

/** Every problem found, each as `file:line: path: message`, so that all can be fixed in one go. */
export class MerchantConfigError extends Error {
  override readonly name = 'MerchantConfigError';
  readonly problems: readonly string[];
  constructor(readonly details: readonly ConfigProblem[]) {
    const problems = details.map(formatProblem);
    super(`Invalid merchant configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** The program version: sha256 of its canonical JSON, so the same rules written in any order hash alike. */
export function programVersion(definition: Program): string {
  return createHash('sha256').update(canonicalJson(definition)).digest('hex');
}

export async function loadMerchantConfigs(configDir: string): Promise<MerchantConfig[]> {
  const merchantsDir = path.join(configDir, 'merchants');
  let entries;
  try {
    entries = await readdir(merchantsDir, { withFileTypes: true });
  } catch {
    throw new MerchantConfigError([
      { file: displayPath(merchantsDir), line: 1, path: null, message: 'no such folder (one folder per merchant: merchants/<merchantId>/merchant.yaml)' },
    ]);
  }
  const ids = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const configs: MerchantConfig[] = [];
  const problems: ConfigProblem[] = [];
  for (const id of ids) {
    const result = await readMerchant(configDir, id);
    if ('config' in result) configs.push(result.config);
    else problems.push(...result.problems);
  }
  if (problems.length > 0) throw new MerchantConfigError(problems);
  return configs;
}

export async function loadMerchantConfig(configDir: string, merchantId: string): Promise<MerchantConfig> {
  const result = await readMerchant(configDir, merchantId);
  if ('problems' in result) throw new MerchantConfigError(result.problems);
  return result.config;
}

type ReadResult = { config: MerchantConfig } | { problems: ConfigProblem[] };

async function readMerchant(configDir: string, merchantId: string): Promise<ReadResult> {
  const dir = path.join(configDir, 'merchants', merchantId);
  if (!MerchantId.safeParse(merchantId).success) {
    return { problems: [{ file: displayPath(dir), line: 1, path: null, message: 'folder name is not a merchant id (lower-case letters, digits or "-", 2 to 40)' }] };
  }
  const [merchantSource, programSource] = await Promise.all([readYaml(path.join(dir, 'merchant.yaml')), readYaml(path.join(dir, 'program.yaml'))]);
  const problems: ConfigProblem[] = [];

  let merchant: MerchantFile | undefined;
  if (typeof merchantSource === 'string') problems.push(missing(merchantSource));
  else {
    problems.push(...merchantSource.syntaxProblems);
    if (merchantSource.syntaxProblems.length === 0) {
      const parsed = MerchantFile.safeParse(merchantSource.data, { error: configIssueMessage });
      if (parsed.success) merchant = parsed.data;
      else problems.push(...merchantSource.problemsOf(toConfigIssues(parsed.error)));
      const id = (merchantSource.data as { id?: unknown } | null)?.id;
      if (typeof id === 'string' && id !== merchantId) {
        problems.push({ file: merchantSource.file, line: merchantSource.lineOf(['id']), path: 'id', message: `must be the folder name "${merchantId}" (got "${id}")` });
      }
    }
  }

  let program: Program | undefined;
  if (typeof programSource === 'string') problems.push(missing(programSource));
  else {
    problems.push(...programSource.syntaxProblems);
    if (programSource.syntaxProblems.length === 0) {
      const parsed = parseProgram(programSource.data);
      if (parsed.success) program = parsed.program;
      else problems.push(...programSource.problemsOf(parsed.issues));
    }
  }

  problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  if (problems.length > 0 || !merchant || !program) return { problems };
  return { config: { ...merchant, program: { version: programVersion(program), definition: program } } };
}

/** The parsed file, or its display name when it does not exist. */
async function readYaml(file: string): Promise<YamlSource | string> {
  try {
    return YamlSource.parse(displayPath(file), await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return displayPath(file);
    throw error;
  }
}

function missing(file: string): ConfigProblem {
  return { file, line: 1, path: null, message: 'file not found' };
}
