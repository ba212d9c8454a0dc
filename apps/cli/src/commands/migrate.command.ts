import type { Command } from '../command.js';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'create the database if needed and apply pending migrations',
  usage: 'relance migrate',
  async run() {
    const { ensureDatabase, loadConfig, migrate, redact } = await import('@relance/platform');
    const config = loadConfig();
    const created = await ensureDatabase(config.databaseUrl);
    const report = await migrate(config.databaseUrl);
    if (created) console.log(`Created database ${redact(config.databaseUrl)}`);
    for (const name of report.applied) console.log(`Applied ${name}`);
    console.log(`Database is up to date (${report.alreadyApplied + report.applied.length} migrations).`);
    return 0;
  },
};
