import { Module, type DynamicModule } from '@nestjs/common';
import { CoreModule, type CoreOptions } from '@relance/platform';
import { MergeCompletion } from './customers/merge-completion.service.js';
import { DeliveryService } from './delivery/delivery.service.js';
import { HttpApiModule } from './http-api.module.js';
import { EngineSchedule } from './scheduling/engine-schedule.service.js';
import { WriteModule } from './write.module.js';

export type EngineOptions = Omit<CoreOptions, 'app' | 'redis'>;

/** The engine: HTTP API, command handling, provider webhooks, the daily expiry review. Modules only wire things together. */
@Module({})
export class EngineModule {
  static forRoot(options: EngineOptions): DynamicModule {
    return {
      module: EngineModule,
      imports: [CoreModule.forRoot({ ...options, app: 'engine', redis: true }), WriteModule, HttpApiModule],
      // Durable reactions run in the engine only (not in one-off CLI runs such as `relance import`).
      providers: [MergeCompletion, EngineSchedule, DeliveryService],
    };
  }
}
