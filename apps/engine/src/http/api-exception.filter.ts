import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { renderError } from '../write-path/error-rendering.js';
import { ReplayedResponse } from './replayed-response.js';

/** Writes every error as `{ error, message, fields }`, and replays stored idempotent responses. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Api');

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (error instanceof ReplayedResponse) {
      void reply.status(error.status).header('content-type', 'application/json; charset=utf-8').header('idempotent-replayed', 'true').send(error.body);
      return;
    }
    const rendered = renderError(error);
    if (rendered.status >= 500) this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    void reply.status(rendered.status).headers(rendered.headers).send(rendered.body);
  }
}
