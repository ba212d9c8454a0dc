import { createHash, randomUUID } from 'node:crypto';
import { campaignLaunched, launchPreview, derivedUuidV7, parseEvent, streams, type LaunchPreview } from '@relance/domain';
import type pg from 'pg';
import { audienceCandidates } from './audience-candidates.js';
import { decideCandidates, lockMerchant, recordDecisions, type Decided } from './evaluation.js';
import type { MerchantRules } from './rule-book.js';

export class LaunchError extends Error {
  constructor(
    readonly code: 'not-found' | 'not-on-demand' | 'stale-preview' | 'bad-token',
    message: string,
  ) {
    super(message);
  }
}

export interface LaunchPreviewResult {
  readonly campaignId: string;
  readonly ruleVersion: string;
  readonly launchId: string;
  /** Give it back to confirm: it names this launch and what was previewed. */
  readonly token: string;
  readonly preview: LaunchPreview;
}

export interface LaunchResult {
  readonly launchId: string;
  readonly campaignId: string;
  readonly decided: number;
  readonly preview: LaunchPreview;
  /** True when this token had been confirmed already: nothing was decided again. */
  readonly alreadyLaunched: boolean;
}

function campaignOf(rules: MerchantRules, campaignId: string) {
  const campaign = rules.active.find((c) => c.definition.id === campaignId);
  if (!campaign) throw new LaunchError('not-found', `no active campaign "${campaignId}" (active: ${rules.active.map((c) => c.definition.id).join(', ') || 'none'})`);
  if (campaign.definition.trigger.type !== 'manual') throw new LaunchError('not-on-demand', `campaign "${campaignId}" is triggered by ${campaign.definition.trigger.type}, not launched on demand`);
  return campaign;
}

function fingerprint(merchantId: string, launchId: string, ruleVersion: string, preview: LaunchPreview): string {
  const { audienceCount, controlGroupCount, suppressedCount, estimatedCostCents } = preview;
  return createHash('sha256').update(JSON.stringify([merchantId, launchId, ruleVersion, audienceCount, controlGroupCount, suppressedCount, estimatedCostCents])).digest('hex').slice(0, 20);
}

async function decideLaunch(db: pg.Pool | pg.PoolClient, rules: MerchantRules, campaignId: string, launchId: string, now: string, voucherKey: Buffer, skipDecided: boolean): Promise<{ decided: Decided[]; preview: LaunchPreview; ruleVersion: string }> {
  const campaign = campaignOf(rules, campaignId);
  const candidates = await audienceCandidates(db, rules, campaign, now, { launchId, launchedAt: now });
  const decided = await decideCandidates(db, rules, candidates, { now, skipDecided, voucherKey });
  return { decided, preview: launchPreview(decided.map((d) => d.decision)), ruleVersion: campaign.ruleVersion };
}

/** Step one: what the launch would do (audience after controls, cost per channel), writing nothing. */
export async function previewLaunch(pool: pg.Pool, rules: MerchantRules, campaignId: string, now: string, voucherKey: Buffer): Promise<LaunchPreviewResult> {
  const launchId = `launch-${randomUUID()}`;
  const { preview, ruleVersion } = await decideLaunch(pool, rules, campaignId, launchId, now, voucherKey, false);
  return { campaignId, ruleVersion, launchId, token: `${launchId}.${fingerprint(rules.merchant.id, launchId, ruleVersion, preview)}`, preview };
}

/**
 * Step two: the operator confirms with the preview's token. The launch is decided again; if the
 * audience, the cost or the rule changed since the preview, it is refused (preview again). Then
 * CampaignLaunched and every decision are appended in one transaction, under the merchant's rules
 * lock. The same token twice launches once.
 */
export async function confirmLaunch(pool: pg.Pool, rules: MerchantRules, campaignId: string, token: string, confirmedBy: string, now: string, voucherKey: Buffer): Promise<LaunchResult> {
  const match = /^(launch-[0-9a-f-]{36})\.([0-9a-f]{20})$/.exec(token);
  if (!match) throw new LaunchError('bad-token', 'not a launch token: give the token the preview printed');
  const launchId = match[1]!;
  const launchEventId = derivedUuidV7(now, `${rules.merchant.id}|${campaignId}|${launchId}|launched`);
  const tx = await pool.connect();
  try {
    await tx.query('BEGIN');
    await tx.query('SELECT relance_begin_append()');
    await lockMerchant(tx, rules.merchant.id);
    const done = await tx.query<{ data: { audienceCount: number; controlGroupCount: number; suppressedCount: number; estimates: LaunchPreview['estimates']; estimatedCostCents: number } }>(
      `SELECT data FROM events WHERE stream_id = $1 AND event_type = 'CampaignLaunched' AND data->>'launchId' = $2`,
      [streams.campaign(rules.merchant.id, campaignId), launchId],
    );
    if (done.rows[0]) {
      await tx.query('ROLLBACK');
      const d = done.rows[0].data;
      return { launchId, campaignId, decided: 0, alreadyLaunched: true, preview: { audienceCount: d.audienceCount, controlGroupCount: d.controlGroupCount, suppressedCount: d.suppressedCount, suppressedBy: {}, estimates: d.estimates, estimatedCostCents: d.estimatedCostCents } };
    }
    const { decided, preview, ruleVersion } = await decideLaunch(tx, rules, campaignId, launchId, now, voucherKey, true);
    if (fingerprint(rules.merchant.id, launchId, ruleVersion, preview) !== match[2]) {
      throw new LaunchError('stale-preview', `the audience, its cost or the campaign changed since the preview (now ${preview.audienceCount} customers, ${preview.estimatedCostCents} cents): preview again`);
    }
    const launched = parseEvent('CampaignLaunched', campaignLaunched(preview, { campaignId, ruleVersion, launchId, confirmedBy, launchedAt: now, currency: rules.merchant.currency }));
    await tx.query(
      `INSERT INTO events (stream_id, stream_position, event_id, event_type, data, metadata)
       SELECT $1, COALESCE((SELECT max(stream_position) FROM events WHERE stream_id = $1), -1) + 1, $2::uuid, 'CampaignLaunched', $3::jsonb, $4::jsonb`,
      [
        streams.campaign(rules.merchant.id, campaignId),
        launchEventId,
        JSON.stringify(launched.data),
        JSON.stringify({ eventId: launchEventId, merchantId: rules.merchant.id, correlationId: launchId, causationId: launchId, actor: confirmedBy, occurredAt: now, recordedAt: now }),
      ],
    );
    await recordDecisions(tx, rules, decided, now);
    await tx.query('COMMIT');
    await pool.query(`SELECT pg_notify('relance_events', '')`).catch(() => undefined);
    return { launchId, campaignId, decided: decided.length, preview, alreadyLaunched: false };
  } catch (error) {
    await tx.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    tx.release();
  }
}
