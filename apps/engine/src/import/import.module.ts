import { Module, type DynamicModule } from '@nestjs/common';
import { CoreModule, type AppConfig } from '@relance/platform';
import { WriteModule } from '../write.module.js';
import { CsvImport } from './csv-import.js';

/** What `relance import` runs in: the write side's command handlers, without HTTP. */
@Module({})
export class ImportModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ImportModule,
      imports: [CoreModule.forRoot({ config, app: 'cli', redis: false }), WriteModule],
      providers: [CsvImport],
    };
  }
}
