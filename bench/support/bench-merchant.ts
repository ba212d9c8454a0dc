import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DEMO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../config/merchants/cave-demo');

/** A CONFIG_DIR in a temp folder holding the demo caviste under another id. */
export async function benchConfigDir(merchantId: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'relance-bench-config-'));
  const target = path.join(dir, 'merchants', merchantId);
  await mkdir(target, { recursive: true });
  const merchant = (await readFile(path.join(DEMO, 'merchant.yaml'), 'utf8')).replace(/^id: .*$/m, `id: ${merchantId}`);
  await writeFile(path.join(target, 'merchant.yaml'), merchant);
  await writeFile(path.join(target, 'program.yaml'), await readFile(path.join(DEMO, 'program.yaml'), 'utf8'));
  return dir;
}
