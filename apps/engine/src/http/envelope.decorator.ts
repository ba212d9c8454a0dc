import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { EnvelopedRequest } from './idempotency.interceptor.js';
import type { CommandEnvelope } from '../write-path/command-envelope.js';

/** The request's command envelope (merchant, actor, correlation, seed), set by the idempotency interceptor. */
export const Envelope = createParamDecorator((_: unknown, context: ExecutionContext): CommandEnvelope => {
  const envelope = context.switchToHttp().getRequest<EnvelopedRequest>().envelope;
  if (!envelope) throw new Error('No command envelope on this route');
  return envelope;
});
