import { Controller, Inject, Injectable } from '@nestjs/common';
import { Id } from '@relance/domain';
import { CLOCK, CONFIG, KEY_STORE, PG_POOL, SealedProfiles, type AppConfig, type Clock, type CustomerKeyStore, type MerchantConfigError } from '@relance/platform';
import type pg from 'pg';
import { z } from 'zod';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import type { Principal } from '../auth/permissions.js';
import { ApiError } from '../write-path/application-errors.js';
import { Input, Route, type ValidatedInput } from '../http/route.js';
import { voucherKeyFrom } from './evaluation.js';
import { explainCustomer, type ExplainedDecision } from './explain.js';
import { confirmLaunch, LaunchError, previewLaunch, type LaunchPreviewResult, type LaunchResult } from './launch.js';
import { RuleBook, withProfiles, type MerchantRules } from './rule-book.js';

/** The campaigns of the merchants the engine serves, read from CONFIG_DIR when first asked for. */
@Injectable()
export class CampaignRules {
  private readonly books = new Map<string, Promise<RuleBook>>();
  private readonly profiles: SealedProfiles | null;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(PG_POOL) pool: pg.Pool,
    @Inject(KEY_STORE) keys: CustomerKeyStore | null,
  ) {
    this.profiles = keys ? new SealedProfiles(pool, keys) : null;
  }

  async forMerchant(merchantId: string): Promise<MerchantRules> {
    let book = this.books.get(merchantId);
    if (!book) this.books.set(merchantId, (book = RuleBook.from(this.config.configDir, [{ id: merchantId, folder: merchantId }])));
    try {
      const rules = (await book).forMerchant(merchantId);
      if (rules) return withProfiles(rules, this.profiles);
    } catch (error) {
      this.books.delete(merchantId);
      throw new ApiError(503, 'campaigns-unavailable', `The merchant's campaigns cannot be loaded: ${(error as MerchantConfigError).message}`);
    }
    throw new ApiError(404, 'campaign-not-found', 'No campaigns are configured for this merchant');
  }

  voucherKey(): Buffer {
    if (!this.config.piiMasterKey) throw new ApiError(503, 'campaigns-unavailable', 'PII_MASTER_KEY is not configured');
    return voucherKeyFrom(this.config.piiMasterKey);
  }
}

const DecisionsParams = z.strictObject({ customerId: Id });
const DecisionsOfCampaignParams = z.strictObject({ customerId: Id, campaignId: Id });
const CampaignParams = z.strictObject({ campaignId: Id });
const LaunchBody = z.strictObject({ token: z.string().min(1).max(100) });

const Decision = z.object({
  eventId: z.string(),
  at: z.string(),
  campaignId: z.string(),
  ruleVersion: z.string(),
  outcome: z.enum(['triggered', 'control-group', 'suppressed']),
  reason: z.string().nullable(),
  detail: z.string().nullable(),
  trigger: z.unknown(),
  conditions: z.array(z.unknown()),
  controls: z.array(z.unknown()),
  channel: z.string().nullable(),
  channelReasons: z.array(z.unknown()),
  messageId: z.string().nullable(),
  actions: z.unknown(),
});
const DecisionsResponse = z.object({ customerId: z.string(), decisions: z.array(Decision) });
const Preview = z.object({
  audienceCount: z.number(),
  controlGroupCount: z.number(),
  suppressedCount: z.number(),
  suppressedBy: z.record(z.string(), z.number()),
  estimates: z.array(z.object({ channel: z.string(), messages: z.number(), costCents: z.number() })),
  estimatedCostCents: z.number(),
});
const PreviewResponse = z.object({ campaignId: z.string(), ruleVersion: z.string(), launchId: z.string(), token: z.string(), preview: Preview });
const LaunchResponse = z.object({ launchId: z.string(), campaignId: z.string(), decided: z.number(), alreadyLaunched: z.boolean(), preview: Preview });

type Decisions = { customerId: string; decisions: ExplainedDecision[] };

/** Campaign decisions for support staff, and on-demand launches for operators (preview, then confirmation). */
@Controller()
export class RulesController {
  constructor(
    private readonly rules: CampaignRules,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Route({
    method: 'GET',
    path: '/v1/customers/:customerId/decisions',
    tag: 'campaigns',
    summary: "Why the customer got (or did not get) each campaign: every decision, oldest first",
    description: 'Read from the decision events: trigger, rule version, each condition with its value, the controls applied and the outcome, suppressions included.',
    permission: 'decisions:read',
    status: 200,
    params: DecisionsParams,
    response: DecisionsResponse,
    idempotency: 'none',
  })
  async decisions(@CurrentPrincipal() principal: Principal, @Input() input: ValidatedInput<{ customerId: string }>): Promise<Decisions> {
    return { customerId: input.params.customerId, decisions: await explainCustomer(this.pool, principal.merchantId, input.params.customerId, null) };
  }

  @Route({
    method: 'GET',
    path: '/v1/customers/:customerId/decisions/:campaignId',
    tag: 'campaigns',
    summary: 'The decisions about the customer of one campaign, oldest first',
    permission: 'decisions:read',
    status: 200,
    params: DecisionsOfCampaignParams,
    response: DecisionsResponse,
    idempotency: 'none',
  })
  async decisionsOf(@CurrentPrincipal() principal: Principal, @Input() input: ValidatedInput<{ customerId: string; campaignId: string }>): Promise<Decisions> {
    const { customerId, campaignId } = input.params;
    return { customerId, decisions: await explainCustomer(this.pool, principal.merchantId, customerId, campaignId) };
  }

  @Route({
    method: 'POST',
    path: '/v1/campaigns/:campaignId/launch-previews',
    tag: 'campaigns',
    summary: 'Preview an on-demand launch: audience after the controls, estimated cost per channel, and the token that confirms it',
    description: 'Writes nothing. 404 for an unknown or paused campaign, 422 for a campaign that is not launched on demand.',
    permission: 'campaigns:launch',
    status: 201,
    params: CampaignParams,
    response: PreviewResponse,
    errors: [404, 422, 503],
    idempotency: 'none',
  })
  async preview(@CurrentPrincipal() principal: Principal, @Input() input: ValidatedInput<{ campaignId: string }>): Promise<LaunchPreviewResult> {
    const rules = await this.rules.forMerchant(principal.merchantId);
    return launching(() => previewLaunch(this.pool, rules, input.params.campaignId, this.clock.now().toISOString(), this.rules.voucherKey()));
  }

  @Route({
    method: 'POST',
    path: '/v1/campaigns/:campaignId/launches',
    tag: 'campaigns',
    summary: "Confirm a launch with its preview's token: CampaignLaunched and every decision, once",
    description: '409 `stale-preview` when the audience, its cost or the campaign changed since the preview (nothing written: preview again). The same token twice launches once.',
    permission: 'campaigns:launch',
    status: 201,
    params: CampaignParams,
    body: LaunchBody,
    response: LaunchResponse,
    errors: [404, 409, 422, 503],
    idempotency: 'none',
  })
  async launch(@CurrentPrincipal() principal: Principal, @Input() input: ValidatedInput<{ campaignId: string }, { token: string }>): Promise<LaunchResult> {
    const rules = await this.rules.forMerchant(principal.merchantId);
    return launching(() => confirmLaunch(this.pool, rules, input.params.campaignId, input.body.token, `key:${principal.keyId}`, this.clock.now().toISOString(), this.rules.voucherKey()));
  }
}

async function launching<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof LaunchError)) throw error;
    switch (error.code) {
      case 'not-found':
        throw new ApiError(404, 'campaign-not-found', error.message);
      case 'not-on-demand':
        throw new ApiError(422, 'campaign-not-on-demand', error.message);
      case 'stale-preview':
        throw new ApiError(409, 'stale-preview', error.message);
      case 'bad-token':
        throw new ApiError(422, 'invalid-launch-token', error.message);
    }
  }
}
