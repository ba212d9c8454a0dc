import { Controller, Headers, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { MerchantId } from '@relance/domain';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DecisionContexts } from '../write-path/decision-context.js';
import { ApiError } from '../write-path/application-errors.js';
import { Route } from '../http/route.js';
import type { CommandEnvelope } from '../write-path/command-envelope.js';
import { IdempotentExecutor } from '../write-path/idempotent-execution.js';
import { IngestOrderCommand, OrderIngestedSchema } from './ingest-order.handler.js';
import { IngestRefundCommand, RefundIngestedSchema } from './ingest-refund.handler.js';
import { IntegrationSecrets, type Platform } from './integration-secrets.repository.js';
import { purchaseOfOrder, type ShopOrder } from './shop-order.js';
import { checkRefundDate, shopifyCancellation, shopifyRefund, wooCommerceCancellation, wooCommerceRefund, type ShopRefund } from './shop-refund.js';
import { shopifyOrder } from './shopify-order.js';
import { signatureMatches } from './webhook-signature.js';
import { wooCommerceOrder } from './woocommerce-order.js';

const MerchantParams = z.strictObject({ merchantId: MerchantId });
const ShopifyBody = z.looseObject({}).describe('A Shopify Order object (topics orders/create, orders/cancelled) or Refund object (refunds/create)');
const WooBody = z.looseObject({}).describe('A WooCommerce REST API v3 order (webhook topics order.created, order.updated) or order refund (refund.created)');
const Ingested = z.union([OrderIngestedSchema, RefundIngestedSchema]);

type RawRequest = FastifyRequest & { rawBody?: Buffer };

/**
 * E-shop webhooks. No API key: each request is authenticated by the platform's HMAC of its raw body
 * with the merchant's secret (`relance integrations set-secret`), before anything is parsed or written.
 */
@Controller()
export class WebhooksController {
  constructor(
    private readonly commands: CommandBus,
    private readonly secrets: IntegrationSecrets,
    private readonly contexts: DecisionContexts,
    private readonly executor: IdempotentExecutor,
  ) {}

  @Route({
    method: 'POST',
    path: '/v1/webhooks/shopify/:merchantId',
    tag: 'webhooks',
    summary: 'Shopify orders/create records the order as a purchase; refunds/create and orders/cancelled refund it (signed with X-Shopify-Hmac-Sha256)',
    description:
      'Orders are idempotent by order id, refunds by refund id and cancellations by order id. refunds/create refunds the refund_line_items by line and quantity; orders/cancelled refunds whatever is not yet refunded. 401 on a missing or wrong signature; 422 for an order in another currency than the merchant\'s; other topics are acknowledged and ignored.',
    permission: 'webhook',
    status: 200,
    params: MerchantParams,
    body: ShopifyBody,
    response: Ingested,
    errors: [401, 409, 422],
    idempotency: 'none',
  })
  async shopify(@Req() request: RawRequest, @Res() reply: FastifyReply, @Headers('x-shopify-topic') topic?: string): Promise<void> {
    const merchantId = await this.verify(request, 'shopify', request.headers['x-shopify-hmac-sha256']);
    if (topic === 'refunds/create') return this.refund(request, reply, merchantId, shopifyRefund(request.body));
    if (topic === 'orders/cancelled') return this.refund(request, reply, merchantId, shopifyCancellation(request.body), 'not cancelled');
    if (topic && topic !== 'orders/create') return void reply.status(200).send({ ignored: `topic ${topic}` });
    await this.ingest(request, reply, merchantId, shopifyOrder(request.body));
  }

  @Route({
    method: 'POST',
    path: '/v1/webhooks/woocommerce/:merchantId',
    tag: 'webhooks',
    summary: 'WooCommerce order.created records the order as a purchase; refund.created refunds it by line; order.updated to cancelled or refunded refunds the rest (signed with X-WC-Webhook-Signature)',
    description:
      'Orders are idempotent by order id, refunds by refund id, cancellations and full refunds by order id and status. refund.created takes a WooCommerce order refund as its REST API gives it and refunds its line_items by line and quantity. 401 on a missing or wrong signature; 422 for an order in another currency than the merchant\'s. The unsigned ping WooCommerce sends when a webhook is saved is acknowledged.',
    permission: 'webhook',
    status: 200,
    params: MerchantParams,
    body: WooBody,
    response: Ingested,
    errors: [401, 409, 422],
    idempotency: 'none',
  })
  async wooCommerce(@Req() request: RawRequest, @Res() reply: FastifyReply, @Headers('x-wc-webhook-topic') topic?: string): Promise<void> {
    if (isPing(request)) return void reply.status(200).send({ ping: 'ok' });
    const merchantId = await this.verify(request, 'woocommerce', request.headers['x-wc-webhook-signature']);
    if (topic === 'order.updated') return this.refund(request, reply, merchantId, wooCommerceCancellation(request.body), 'status neither cancelled nor refunded');
    if (topic === 'refund.created') return this.refund(request, reply, merchantId, wooCommerceRefund(request.body));
    if (topic && topic !== 'order.created') return void reply.status(200).send({ ignored: `topic ${topic}` });
    await this.ingest(request, reply, merchantId, wooCommerceOrder(request.body));
  }

  private async verify(request: RawRequest, platform: Platform, header: string | string[] | undefined): Promise<string> {
    const merchantId = (request.params as { merchantId?: string }).merchantId ?? '';
    // An unknown merchant answers like a wrong signature: nothing tells a caller which merchants exist.
    const served = MerchantId.safeParse(merchantId).success && this.contexts.serves(merchantId);
    const secret = served ? await this.secrets.get(merchantId, platform) : null;
    if (!secret || !request.rawBody || !signatureMatches(secret, request.rawBody, typeof header === 'string' ? header : undefined)) {
      throw new ApiError(401, 'invalid-signature', `The ${platform} signature does not verify for this merchant`);
    }
    return merchantId;
  }

  private async ingest(request: RawRequest, reply: FastifyReply, merchantId: string, order: ShopOrder): Promise<void> {
    // Checked before the order id is claimed: a refused order leaves no trace.
    const records = !order.ignoredBecause && order.currency === this.contexts.merchant(merchantId).currency && order.lines.length > 0;
    const purchase = records ? purchaseOfOrder(order, this.contexts.forMerchant(merchantId).now) : null;
    await this.once(request, reply, merchantId, order.platform, `webhook:${order.platform}:order:${order.orderId}`, (envelope) =>
      this.commands.execute(new IngestOrderCommand(envelope, order, purchase)),
    );
  }

  /** A refund or cancellation, once per platform event; `notRefund` says why a body of the topic takes nothing back. */
  private async refund(request: RawRequest, reply: FastifyReply, merchantId: string, refund: ShopRefund | null, notRefund?: string): Promise<void> {
    if (!refund) return void reply.status(200).send({ ignored: notRefund ?? 'not a refund' });
    // Checked before the event is claimed: a refused delivery leaves no trace.
    checkRefundDate(refund, this.contexts.forMerchant(merchantId).now);
    const key = `webhook:${refund.platform}:refund:${refund.orderId}:${refund.eventKey}`;
    await this.once(request, reply, merchantId, refund.platform, key, (envelope) => this.commands.execute(new IngestRefundCommand(envelope, refund)));
  }

  /**
   * Runs a platform event once per key through the idempotent executor: a redelivery gets the first
   * answer back, and one cut short runs again with the same seed.
   */
  private async once<T>(
    request: RawRequest,
    reply: FastifyReply,
    merchantId: string,
    platform: Platform,
    key: string,
    run: (envelope: CommandEnvelope) => Promise<T>,
  ): Promise<void> {
    const incoming = { merchantId, actor: `system:${platform}-webhook`, correlationId: key, causationId: request.id, key };
    const done = await this.executor.execute(incoming, async (envelope) => ({ status: 200, body: await run(envelope) }));
    if (done.replayed) void reply.header('idempotent-replayed', 'true');
    const body = done.replayed ? done.body : JSON.stringify(done.body);
    void reply.status(done.status).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}

/** WooCommerce's "webhook saved" ping: a form body `webhook_id=<n>`, sent without a signature. */
function isPing(request: RawRequest): boolean {
  const body = request.body as Record<string, unknown> | null;
  return !!body && typeof body === 'object' && Object.keys(body).length === 1 && /^\d+$/.test(String(body.webhook_id ?? ''));
}
