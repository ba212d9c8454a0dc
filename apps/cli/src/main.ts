import 'reflect-metadata';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError, MerchantConfigError } from '@relance/platform';
import { UsageError, type Command } from './command.js';

const COMMANDS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'commands');

/**
 * Every `commands/*.command.ts` file is a command; adding one needs no registration. Command modules
 * keep their heavy imports (Nest, the apps) inside `run`, so `relance help` stays fast.
 */
async function loadCommands(): Promise<Command[]> {
  const files = (await readdir(COMMANDS_DIR)).filter((f) => f.endsWith('.command.ts')).sort();
  const commands: Command[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(path.join(COMMANDS_DIR, file)).href)) as Record<string, unknown>;
    for (const value of Object.values(module)) if (isCommand(value)) commands.push(value);
  }
  return commands.sort((a, b) => a.name.localeCompare(b.name));
}

function isCommand(value: unknown): value is Command {
  const c = value as Partial<Command> | null;
  return typeof c === 'object' && c !== null && typeof c.name === 'string' && typeof c.run === 'function';
}

export async function main(argv: readonly string[]): Promise<number> {
  const commands = await loadCommands();
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    printHelp(commands);
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`Unknown command "${name}".\n`);
    printHelp(commands);
    return 2;
  }
  if (args[0] === '--help' || args[0] === '-h') {
    console.log(`Usage: ${command.usage}`);
    return 0;
  }
  try {
    return await command.run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\nUsage: ${command.usage}`);
      return 2;
    }
    if (error instanceof ConfigError || error instanceof MerchantConfigError) {
      console.error(error.message);
      return 78; // EX_CONFIG
    }
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return 1;
  }
}

function printHelp(commands: readonly Command[]): void {
  console.log('Usage: relance <command> [options]\n\nCommands:');
  const width = Math.max(...commands.map((c) => c.name.length));
  for (const c of commands) console.log(`  ${c.name.padEnd(width)}  ${c.summary}`);
  console.log("\nRun `relance <command> --help` for a command's options.");
}
