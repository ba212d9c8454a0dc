import { existsSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';

/** The example campaigns the demo's customers make fire (see campaignStories in demo-seed.ts). */
export const DEMO_CAMPAIGNS = ['bienvenue', 'gros-panier', 'nouveau-statut', 'anniversaire', 'reactivation', 'points-expirent'] as const;

/** The time campaigns among them: the demo runs today's time rules once their customers are projected. */
export const DEMO_TIME_CAMPAIGNS = ['anniversaire', 'reactivation', 'points-expirent'] as const;

/*
 * What today's time rules read of Inès (her birthday, her age, her consent) and of Marc (his two
 * purchases and their points, his age, his consent) is in the read models: they must be there before
 * the run, or it finds nobody.
 */
const STORY_PROJECTED = `
SELECT (SELECT count(*) FROM customers WHERE merchant_id = $1 AND customer_id = ANY($2::text[]) AND birthday IS NOT NULL AND adult_since IS NOT NULL)::int AS customers,
       (SELECT count(*) FROM consents WHERE merchant_id = $1 AND customer_id = ANY($2::text[]) AND channel = 'email' AND purpose = 'marketing' AND granted)::int AS consents,
       (SELECT count(*) FROM purchases WHERE merchant_id = $1 AND customer_id = 'demo-marc')::int AS purchases,
       (SELECT count(*) FROM points_lots WHERE merchant_id = $1 AND customer_id = 'demo-marc')::int AS lots`;

export async function waitForStoryProjected(pool: pg.Pool, merchantId: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
  await poll(timeoutMs, signal, 'the projector did not show the demo customers', async () => {
    const { rows } = await pool.query<{ customers: number; consents: number; purchases: number; lots: number }>(STORY_PROJECTED, [merchantId, ['demo-ines', 'demo-marc']]);
    const row = rows[0]!;
    return row.customers === 2 && row.consents === 2 && row.purchases === 2 && row.lots >= 2;
  });
}

export interface CampaignMessages {
  readonly campaignId: string;
  readonly channel: string;
  readonly sent: number;
  readonly waiting: number;
  readonly failed: number;
  /** Each failure's code and reason, as the message's MessageFailed records them. */
  readonly failures: readonly string[];
}

export interface OutboxSummary {
  readonly campaigns: readonly CampaignMessages[];
  /** Campaigns expected (DEMO_CAMPAIGNS, after a seed) with no message sent yet. */
  readonly missing: readonly string[];
  /** Messages sent whose outbox file is there. */
  readonly files: number;
}

const MESSAGES = `
SELECT campaign_id, channel,
       count(*) FILTER (WHERE status IN ('sent', 'delivered'))::int AS sent,
       count(*) FILTER (WHERE status = 'queued')::int AS waiting,
       count(*) FILTER (WHERE status = 'failed')::int AS failed,
       COALESCE(array_remove(array_agg(DISTINCT failure_code || ': ' || failure_reason), NULL), '{}') AS failures,
       COALESCE(array_remove(array_agg(provider_message_id) FILTER (WHERE status IN ('sent', 'delivered') AND provider = 'capture'), NULL), '{}') AS files
  FROM messages
 WHERE merchant_id = $1 AND campaign_id IS NOT NULL
 GROUP BY campaign_id, channel
 ORDER BY campaign_id, channel`;

/** The merchant's campaign messages as the messages read model has them, with their outbox files. */
export async function outboxSummary(pool: pg.Pool, merchantId: string, outboxRoot: string, expected: readonly string[]): Promise<OutboxSummary> {
  const { rows } = await pool.query<{ campaign_id: string; channel: string; sent: number; waiting: number; failed: number; failures: string[]; files: string[] }>(MESSAGES, [merchantId]);
  const campaigns = rows.map((r) => ({ campaignId: r.campaign_id, channel: r.channel, sent: r.sent, waiting: r.waiting, failed: r.failed, failures: r.failures }));
  // The capture adapter's provider message id is the file's path under OUTBOX_DIR (<merchant>/<channel>/<file>).
  const files = rows.flatMap((r) => r.files).filter((file) => existsSync(path.join(outboxRoot, file))).length;
  const sent = new Set(campaigns.filter((c) => c.sent > 0).map((c) => c.campaignId));
  return { campaigns, missing: expected.filter((id) => !sent.has(id)), files };
}

/**
 * Waits until every expected campaign has a message sent, every message sent has its file, and none
 * is left waiting; past the time, answers what there is (the summary then says what is missing).
 * A run that found the demo data already there expects nothing in particular: it shows what is sent.
 */
export async function waitForOutbox(pool: pg.Pool, merchantId: string, outboxRoot: string, expected: readonly string[], timeoutMs: number, signal: AbortSignal): Promise<OutboxSummary> {
  let last = await outboxSummary(pool, merchantId, outboxRoot, expected);
  const done = (s: OutboxSummary) => s.missing.length === 0 && s.campaigns.every((c) => c.waiting === 0) && s.files === s.campaigns.reduce((n, c) => n + c.sent, 0);
  try {
    await poll(timeoutMs, signal, 'outbox', async () => done((last = await outboxSummary(pool, merchantId, outboxRoot, expected))));
  } catch (error) {
    if (signal.aborted) throw error;
    // Past the time: the summary says what did not arrive.
  }
  return last;
}

export function formatSummary(summary: OutboxSummary, outbox: string): string {
  const width = Math.max(...summary.campaigns.map((c) => c.campaignId.length), 10);
  const lines = summary.campaigns.map((c) => {
    const parts = [`${c.sent} sent`];
    if (c.waiting > 0) parts.push(`${c.waiting} waiting`);
    if (c.failed > 0) parts.push(`${c.failed} failed (${c.failures.join('; ')})`);
    return `  ${c.campaignId.padEnd(width)}  ${c.channel.padEnd(6)}  ${parts.join(', ')}`;
  });
  if (lines.length === 0) lines.push('  (no campaign message yet)');
  const missing = summary.missing.length > 0 ? `\nNot sent yet: ${summary.missing.join(', ')} (the rules and engine output above says why; \`relance explain\` too).` : '';
  return `
Campaigns fired by the rules engine, sent by the engine's delivery workers in capture mode:
${lines.join('\n')}${missing}
Outbox: ${outbox}   (${summary.files} files: one per message, by channel)`;
}

/** Until `check` holds; throws when the time is up or the demo is stopping (the signal). */
async function poll(timeoutMs: number, signal: AbortSignal, what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error(`${what}: the demo is stopping`);
    if (Date.now() > deadline) throw new Error(`${what}: nothing after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
