import { Controller, Inject, Req, Res } from '@nestjs/common';
import { verifyUnsubscribeToken } from '@relance/channels';
import { streams, type EventData } from '@relance/domain';
import type { EventStore } from '@relance/event-store';
import { CLOCK, CONFIG, EVENT_STORE, MERCHANTS, type AppConfig, type Clock, type MerchantDirectory } from '@relance/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Route } from '../http/route.js';
import { ProviderEventRecorder } from './provider-events.recorder.js';

const TokenParams = z.strictObject({ token: z.string().min(10).max(400) });

/**
 * The link in every marketing email and its List-Unsubscribe header. A GET (a person following the
 * link, or a mail scanner fetching it) only shows a page with a button: scanners must not
 * unsubscribe anyone. A POST — the button, or the mail client's RFC 8058 one-click request with
 * `List-Unsubscribe=One-Click` — withdraws the consent of the link's channel.
 */
@Controller()
export class UnsubscribeController {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MERCHANTS) private readonly merchants: MerchantDirectory,
    private readonly recorder: ProviderEventRecorder,
  ) {}

  @Route({
    method: 'GET',
    path: '/unsubscribe/:token',
    tag: 'unsubscribe',
    summary: 'The unsubscribe page of a signed link: a button that confirms (nothing is withdrawn by a GET)',
    permission: 'webhook',
    status: 200,
    params: TokenParams,
    response: z.string(),
    errors: [404],
    idempotency: 'none',
  })
  async page(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const claims = this.claims(request);
    if (!claims) return void (await reply.status(404).type('text/html; charset=utf-8').send(page('Lien de désinscription invalide', '<p>Ce lien n’est pas valide.</p>')));
    const shop = this.merchants.get(claims.merchantId)?.name ?? '';
    await reply
      .status(200)
      .type('text/html; charset=utf-8')
      .send(page(`Se désinscrire — ${escape(shop)}`, `<form method="post"><p>Ne plus recevoir les messages de ${escape(shop)} par ${claims.channel === 'email' ? 'e-mail' : escape(claims.channel)} ?</p><button type="submit" name="List-Unsubscribe" value="One-Click">Me désinscrire</button></form>`));
  }

  @Route({
    method: 'POST',
    path: '/unsubscribe/:token',
    tag: 'unsubscribe',
    summary: 'One-click unsubscribe (RFC 8058): withdraws the consent of the signed link’s channel',
    description: 'Answers 200 also when the consent was already withdrawn; 404 for a link whose signature does not verify (nothing written).',
    permission: 'webhook',
    status: 200,
    params: TokenParams,
    response: z.string(),
    errors: [404],
    idempotency: 'none',
  })
  async unsubscribe(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const claims = this.claims(request);
    if (!claims || !this.merchants.get(claims.merchantId)) {
      return void (await reply.status(404).type('text/html; charset=utf-8').send(page('Lien de désinscription invalide', '<p>Ce lien n’est pas valide.</p>')));
    }
    const message = await this.store.readStream(streams.message(claims.merchantId, claims.messageId));
    const queued = message.events.find((e) => e.type === 'MessageQueued')?.data as EventData<'MessageQueued'> | undefined;
    // The message's own instant seeds the withdrawal's ids: the same link used twice records one withdrawal.
    const at = queued?.queuedAt ?? this.clock.now().toISOString();
    await this.recorder.withdraw(claims.merchantId, claims.customerId, [claims.channel], { provider: 'unsubscribe-link', providerEventId: claims.messageId, occurredAt: at, kind: 'unsubscribe-link' });
    await reply.status(200).type('text/html; charset=utf-8').send(page('Désinscription enregistrée', '<p>C’est fait : vous ne recevrez plus ces messages.</p>'));
  }

  private claims(request: FastifyRequest) {
    const token = (request.params as { token?: string }).token ?? '';
    return verifyUnsubscribeToken(this.config.delivery.unsubscribeSecrets, token);
  }
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family:sans-serif;max-width:480px;margin:3em auto">${body}</body></html>`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
