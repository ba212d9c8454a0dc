import { Module, type DynamicModule } from '@nestjs/common';
import { CoreModule, type CoreOptions } from '@relance/platform';
import { ProjectorService } from './projector.service.js';

export type ProjectorOptions = Omit<CoreOptions, 'app' | 'redis'>;

/** The projector: read models from the event log, the daily RFM run, /health and /metrics. */
@Module({})
export class ProjectorModule {
  static forRoot(options: ProjectorOptions): DynamicModule {
    return {
      module: ProjectorModule,
      imports: [CoreModule.forRoot({ ...options, app: 'projector', redis: true })],
      providers: [ProjectorService],
    };
  }
}
