import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultPrices, PrintBatchAdapter, type LetterMessage } from '@relance/channels';
import { DeliveryQueues } from '../../apps/engine/src/delivery/delivery-queues.js';
import { queueName } from '../../apps/engine/src/delivery/delivery-jobs.js';
import { relance } from './support/cli.js';
import { demoMerchant, TestEngine, testConfig } from './support/engine-harness.js';

const config = testConfig();
let redis: Redis;
let queues: DeliveryQueues;

beforeAll(() => {
  redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  queues = new DeliveryQueues(redis, 1, () => new Date(), config.delivery.queuePrefix);
});

afterAll(async () => {
  await queues.close();
  redis.disconnect();
});

describe('relance deliveries', () => {
  it('lists a dead-lettered delivery with its last error, and puts it back in its lane on retry', async () => {
    const messageId = `msg-dead-${randomUUID().slice(0, 8)}`;
    await queues.enqueue([{ merchantId: 'cave-demo', messageId, lane: 'postal', dueAt: new Date().toISOString() }]);
    const worker = new Worker(queueName('postal'), async () => {
      throw new Error('print shop unreachable');
    }, { connection: redis, prefix: config.delivery.queuePrefix });
    const id = `cave-demo.${messageId}`;
    try {
      for (let i = 0; i < 200 && (await queues.lane('postal').getJobState(id)) !== 'failed'; i++) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await worker.close();
    }
    const inspect = await relance(['deliveries', 'inspect']);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toMatch(/^postal: \d+ waiting, \d+ delayed, \d+ active, \d+ completed \(kept a day\), [1-9]\d* dead-lettered$/m);
    expect(inspect.stdout).toContain(`cave-demo ${messageId}  attempts 1`);
    expect(inspect.stdout).toContain('print shop unreachable');

    const retry = await relance(['deliveries', 'retry', messageId, '--merchant', 'cave-demo']);
    expect(retry.stdout).toContain('1 deliveries put back in their lane');
    expect(retry.code).toBe(0);
    expect(await queues.lane('postal').getJobState(id)).toBe('waiting');
    await (await queues.lane('postal').getJob(id))!.remove();

    const unknown = await relance(['deliveries', 'retry', 'msg-none', '--merchant', 'cave-demo']);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('1 not in the dead-letter list');
  }, 120_000);

  it('refuses a call without an action, with its usage', async () => {
    const result = await relance(['deliveries']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: relance deliveries');
  });
});

describe('relance templates preview', () => {
  it("renders a template for a customer, with the customer's first name opened from the sealed profile", async () => {
    const engine = await TestEngine.start([await demoMerchant('cave-demo')], { env: { DELIVERY_WORKERS: 'off' } });
    const customerId = `prev-${randomUUID().slice(0, 8)}`;
    try {
      const pos = await engine.key('cave-demo', 'pos');
      const res = await engine.call('POST', '/v1/customers', { key: pos, idempotencyKey: `enrol-${customerId}`, body: { customerId, profile: { firstName: 'margaux', email: `${customerId}@example.fr` } } });
      expect(res.status).toBe(201);
    } finally {
      await engine.close();
    }
    const email = await relance(['templates', 'preview', 'welcome', '--customer', customerId]);
    expect(email.stderr).toBe('');
    expect(email.code).toBe(0);
    expect(email.stdout).toMatch(/^Subject: Bienvenue au Club de la Cave, Margaux$/m);
    expect(email.stdout).toContain('/u1.cave-demo.');

    const sms = await relance(['templates', 'preview', 'welcome', '--customer', customerId, '--channel', 'sms']);
    expect(sms.stdout).toMatch(/STOP au 36111/);
    expect(sms.stdout).toMatch(/\(2 segment\(s\), GSM-7\)/);

    const missing = await relance(['templates', 'preview', 'welcome', '--customer', 'nobody-here']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Customer nobody-here of cave-demo: not found');
  }, 120_000);
});

describe('relance deliveries print-batch', () => {
  const shop = { name: 'La Cave des Halles', lines: ['12 rue des Halles'], postcode: '69001', city: 'Lyon' };
  const letter = (n: number, postcode: string): LetterMessage => ({
    channel: 'postal',
    messageId: `letter-${n}`,
    merchantId: 'cave-demo',
    customerId: `cust-${n}`,
    campaignId: 'reactivation',
    marketing: true,
    to: { name: `M. Client ${n}`, lines: [`${n} avenue Jean Jaurès`], postcode, city: 'Villeurbanne' },
    sender: shop,
    subject: 'Un bon de 5,00 € à votre nom',
    dateLine: 'Lyon, le 3 décembre 2026',
    body: 'Bonjour,\n\nVotre bon vous attend.',
  });

  it('gathers the letters pending in PRINT_BATCH_DIR into one batch, once, and says when nothing is pending', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'relance-print-'));
    try {
      const engineSide = new PrintBatchAdapter({ dir, prices: defaultPrices('EUR') });
      for (const [n, postcode] of [[1, '75015'], [2, '13012'], [3, '69004']] as const) {
        expect((await engineSide.send(letter(n, postcode))).kind).toBe('accepted');
      }

      const first = await relance(['deliveries', 'print-batch'], { PRINT_BATCH_DIR: dir });
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^batch \d{8}T\d{6}Z: 3 letters, 3 pages$/m);
      const merged = /to print: (.+)$/m.exec(first.stdout)?.[1];
      const manifest = /manifest \(by postcode\): (.+)$/m.exec(first.stdout)?.[1];
      expect((await readFile(merged!)).subarray(0, 5).toString()).toBe('%PDF-');
      const rows = (await readFile(manifest!, 'utf8')).trimEnd().split('\r\n').slice(1);
      expect(rows.map((row) => row.split(';')[1])).toEqual(['letter-2', 'letter-3', 'letter-1']);
      expect(await readdir(path.join(dir, 'pending'))).toEqual([]);

      const again = await relance(['deliveries', 'print-batch'], { PRINT_BATCH_DIR: dir });
      expect(again.code).toBe(0);
      expect(again.stdout.trim()).toBe(`no letter pending in ${dir}`);

      const unset = await relance(['deliveries', 'print-batch'], { PRINT_BATCH_DIR: '' });
      expect(unset.code).toBe(1);
      expect(unset.stderr).toContain('PRINT_BATCH_DIR: not set');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
