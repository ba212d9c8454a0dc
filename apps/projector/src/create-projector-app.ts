import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LogLevel } from '@nestjs/common';
import type { AppConfig } from '@relance/platform';
import { ProjectorModule, type ProjectorOptions } from './projector.module.js';

const LOG_LEVELS: Record<AppConfig['logLevel'], LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** Builds the projector application without listening (tests inject their own clock and merchants). */
export async function createProjectorApp(options: ProjectorOptions): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(ProjectorModule.forRoot(options), new FastifyAdapter(), {
    logger: LOG_LEVELS[options.config.logLevel],
    abortOnError: false,
  });
  app.enableShutdownHooks();
  return app;
}
