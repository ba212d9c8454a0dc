import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@relance/domain';
import { v7 as uuidv7 } from 'uuid';
import { ApiError } from './application-errors.js';
import type { CommandEnvelope } from './command-envelope.js';
import { renderError } from './error-rendering.js';
import { IdempotencyRepository } from './idempotency.repository.js';

/** Who sends a request, and what makes a second delivery of it the same request. */
export interface IncomingRequest {
  readonly merchantId: string;
  /** `key:<api key id>` or `system:<component>`. */
  readonly actor: string;
  readonly correlationId: string;
  readonly causationId: string;
  /**
   * What makes it idempotent: the caller's Idempotency-Key, or a key the engine derives (a webhook's
   * platform and order id). Without one the request runs once per delivery.
   */
  readonly key?: string;
  /** What the request asks, as stored under its key: the same key sent with another request is refused. */
  readonly fingerprint?: string;
}

/** The answer of a run: what is sent back and, under a key, stored for a repeated delivery. */
export interface Answer<T> {
  readonly status: number;
  readonly body: T;
  /** The customer whose personal data the body carries: the stored copy is sealed with their key. */
  readonly owner?: string | null;
}

export type Executed<T> =
  | { readonly replayed: false; readonly status: number; readonly body: T }
  /** The stored answer of an earlier delivery, as JSON text: nothing ran again. */
  | { readonly replayed: true; readonly status: number; readonly body: string };

/**
 * How every request that writes runs, whichever door it came in by (an API route with an
 * Idempotency-Key, an e-shop webhook): it gets its command envelope, and under a key it runs at most
 * once to completion. The first delivery claims the key and a seed (every event id the commands append
 * derives from it); its answer, or a refusal that would be the same again, is stored and a repeated
 * delivery gets it back without running anything. A delivery that failed otherwise (the database went
 * away, a conflict) releases the key at once, and the next delivery runs again with the same seed, so
 * that events appended before the failure are found rather than appended twice. A process that died
 * holding the key leaves it to the next delivery when its lease ends, the same way.
 */
@Injectable()
export class IdempotentExecutor {
  constructor(@Inject(IdempotencyRepository) private readonly records: IdempotencyRepository) {}

  async execute<T>(request: IncomingRequest, run: (envelope: CommandEnvelope) => Promise<Answer<T>>): Promise<Executed<T>> {
    const { merchantId, actor, correlationId, causationId, key } = request;
    if (key === undefined) {
      const answer = await run({ merchantId, actor, correlationId, causationId, seed: uuidv7(), resumed: false });
      return { replayed: false, status: answer.status, body: answer.body };
    }
    const claim = await this.records.claim(merchantId, key, request.fingerprint ?? key);
    switch (claim.kind) {
      case 'replay':
        return { replayed: true, status: claim.status, body: claim.body };
      case 'mismatch':
        throw new ApiError(409, 'idempotency-key-reused', 'This Idempotency-Key was already used for a different request');
      case 'in-progress':
        throw new ApiError(409, 'request-in-progress', 'A request with this Idempotency-Key is still being processed', {}, {
          'retry-after': String(claim.retryAfterSeconds),
        });
      case 'erased':
        // The first answer carried the profile of a customer erased since: it went with their key.
        throw new DomainError('customer-erased', `Customer ${claim.customerId} was erased`, { customerId: claim.customerId });
      case 'claimed':
        break;
    }
    const envelope = { merchantId, actor, correlationId, causationId, seed: claim.seed, resumed: claim.attempt > 1 };
    try {
      const answer = await run(envelope);
      await this.records.complete(merchantId, key, claim.attempt, answer.status, JSON.stringify(answer.body), answer.owner ?? null);
      return { replayed: false, status: answer.status, body: answer.body };
    } catch (error) {
      const rendered = renderError(error);
      if (rendered.deterministic) await this.records.complete(merchantId, key, claim.attempt, rendered.status, JSON.stringify(rendered.body));
      else await this.records.release(merchantId, key, claim.attempt).catch(() => undefined);
      throw error;
    }
  }
}
