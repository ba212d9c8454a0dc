import { Module, type DynamicModule } from '@nestjs/common';
import { CoreModule, type AppConfig } from '@relance/platform';
import { WriteModule } from '../write.module.js';
import { CsvImport } from './csv-import.js';

/**
 * The stream cache of an import, unless STREAM_CACHE_BYTES says otherwise: a file is read once, in
 * order, so a customer's state is worth keeping between its tickets, not the tens of thousands of
 * anonymous sales written once each (the engine's default budget would hold them all).
 */
export const IMPORT_STREAM_CACHE_BYTES = 32 * 1024 * 1024;

/** What `relance import` runs in: the write side's command handlers, without HTTP. */
@Module({})
export class ImportModule {
  static forRoot(config: AppConfig, env: Readonly<Record<string, string | undefined>> = process.env): DynamicModule {
    const sized = env.STREAM_CACHE_BYTES === undefined ? { ...config, streamCacheBytes: IMPORT_STREAM_CACHE_BYTES } : config;
    return {
      module: ImportModule,
      imports: [CoreModule.forRoot({ config: sized, app: 'cli', redis: false }), WriteModule],
      providers: [CsvImport],
    };
  }
}
