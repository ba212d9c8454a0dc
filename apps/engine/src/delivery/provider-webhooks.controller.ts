import { Controller, Inject, Req, Res } from '@nestjs/common';
import {
  defaultPrices,
  sendGridPublicKey,
  verifyMerciFacteurWebhook,
  verifySendGridEventWebhook,
  verifyTwilioInbound,
  verifyTwilioStatusCallback,
  type WebhookRequest,
  type WebhookVerdict,
} from '@relance/channels';
import { CLOCK, CONFIG, MERCHANTS, type AppConfig, type Clock, type MerchantDirectory } from '@relance/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Route } from '../http/route.js';
import { pricesOf } from './merchant-channels.js';
import { ProviderEventRecorder } from './provider-events.recorder.js';

type RawRequest = FastifyRequest & { rawBody?: Buffer };

const Recorded = z.object({ appended: z.number(), withdrawn: z.number(), ignored: z.number() });

/**
 * Provider callbacks. No API key: each is authenticated by the provider's signature over the exact
 * bytes received and the public URL it was sent to (PUBLIC_URL + the path and query). A bad or
 * missing signature, or an old SendGrid timestamp, answers 401 and writes nothing.
 */
@Controller()
export class ProviderWebhooksController {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(MERCHANTS) private readonly merchants: MerchantDirectory,
    private readonly recorder: ProviderEventRecorder,
  ) {}

  @Route({
    method: 'POST',
    path: '/v1/providers/sendgrid/events',
    tag: 'providers',
    summary: 'SendGrid Event Webhook (signed ECDSA): deliveries, opens, clicks, bounces, spam reports, unsubscribes',
    description: 'Bounces, spam reports and unsubscribes withdraw the email consent. Each event is recorded once, whatever the retries; a late event never moves a message back.',
    permission: 'webhook',
    status: 200,
    response: Recorded,
    errors: [401],
    idempotency: 'none',
  })
  async sendgrid(@Req() request: RawRequest, @Res() reply: FastifyReply): Promise<void> {
    const sendgrid = this.config.delivery.sendgrid;
    const verdict: WebhookVerdict = sendgrid
      ? verifySendGridEventWebhook(sendGridPublicKey(sendgrid.webhookPublicKey), this.webhookRequest(request), this.clock.now())
      : { accepted: false, httpStatus: 401, reason: 'SendGrid is not configured' };
    await this.answer(reply, verdict);
  }

  @Route({
    method: 'POST',
    path: '/v1/providers/twilio/status',
    tag: 'providers',
    summary: 'Twilio status callback (X-Twilio-Signature) for SMS and RCS',
    permission: 'webhook',
    status: 200,
    response: Recorded,
    errors: [401],
    idempotency: 'none',
  })
  async twilioStatus(@Req() request: RawRequest, @Res() reply: FastifyReply): Promise<void> {
    const twilio = this.config.delivery.twilio;
    const webhook = this.webhookRequest(request);
    const merchant = this.merchants.get(new URL(webhook.url).searchParams.get('merchant') ?? '');
    const verdict: WebhookVerdict = twilio
      ? verifyTwilioStatusCallback(twilio.authToken, webhook, merchant ? pricesOf(merchant) : defaultPrices('EUR'), this.clock.now())
      : { accepted: false, httpStatus: 401, reason: 'Twilio is not configured' };
    await this.answer(reply, verdict);
  }

  @Route({
    method: 'POST',
    path: '/v1/providers/twilio/inbound',
    tag: 'providers',
    summary: 'Twilio inbound message (X-Twilio-Signature): STOP and its French forms withdraw the SMS and RCS consents',
    description: 'Configure it in Twilio as `<PUBLIC_URL>/v1/providers/twilio/inbound?merchant=<merchantId>`.',
    permission: 'webhook',
    status: 200,
    response: Recorded,
    errors: [401],
    idempotency: 'none',
  })
  async twilioInbound(@Req() request: RawRequest, @Res() reply: FastifyReply): Promise<void> {
    const twilio = this.config.delivery.twilio;
    const verdict: WebhookVerdict = twilio
      ? verifyTwilioInbound(twilio.authToken, this.webhookRequest(request), this.clock.now())
      : { accepted: false, httpStatus: 401, reason: 'Twilio is not configured' };
    if (!verdict.accepted) return this.answer(reply, verdict);
    await this.recorder.record(verdict.events);
    // Twilio reads TwiML back: an empty response sends no reply to the customer.
    await reply.status(200).header('content-type', 'text/xml').send('<?xml version="1.0" encoding="UTF-8"?><Response/>');
  }

  @Route({
    method: 'POST',
    path: '/v1/providers/merci-facteur/events',
    tag: 'providers',
    summary: 'Merci Facteur webhook (X-Mf-Webhook-Secret-Key): letters printed, delivered, returned to sender',
    description: 'Configure it in Merci Facteur as `<PUBLIC_URL>/v1/providers/merci-facteur/events?merchant=<merchantId>`. A letter returned to sender fails for good and is rerouted like a hard bounce.',
    permission: 'webhook',
    status: 200,
    response: Recorded,
    errors: [401],
    idempotency: 'none',
  })
  async merciFacteur(@Req() request: RawRequest, @Res() reply: FastifyReply): Promise<void> {
    const merciFacteur = this.config.delivery.merciFacteur;
    const verdict: WebhookVerdict = merciFacteur
      ? verifyMerciFacteurWebhook(merciFacteur.webhookSecret, this.webhookRequest(request))
      : { accepted: false, httpStatus: 401, reason: 'Merci Facteur is not configured' };
    await this.answer(reply, verdict);
  }

  private async answer(reply: FastifyReply, verdict: WebhookVerdict): Promise<void> {
    if (!verdict.accepted) return void (await reply.status(verdict.httpStatus).send({ error: verdict.httpStatus === 401 ? 'invalid-signature' : 'bad-request', message: verdict.reason }));
    await reply.status(200).send(await this.recorder.record(verdict.events));
  }

  private webhookRequest(request: RawRequest): WebhookRequest {
    return { url: `${this.config.delivery.publicUrl}${request.url}`, headers: request.headers, rawBody: request.rawBody ?? Buffer.alloc(0) };
  }
}

