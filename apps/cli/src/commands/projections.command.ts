import { parseArgs } from 'node:util';
import { cliConfig } from '../cli-config.js';
import { UsageError, type Command } from '../command.js';

export const projectionsCommand: Command = {
  name: 'projections',
  summary: 'show where each read model stands, or rebuild read models blue/green from the log',
  usage: 'relance projections status | relance projections rebuild [name] [--batch 5000]',
  async run(args) {
    const { values, positionals } = parse(args);
    const [action, name, ...rest] = positionals;
    if (rest.length > 0 || (action !== 'status' && action !== 'rebuild') || (action === 'status' && name)) {
      throw new UsageError(`Expected "status" or "rebuild [name]"`);
    }
    const batchSize = values.batch === undefined ? undefined : Number(values.batch);
    if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize <= 0)) throw new UsageError('--batch must be a positive integer');

    const { projectorToolkit } = await import('../../../projector/src/projector-toolkit.js');
    const { PROJECTIONS, projectionsNamed } = await import('../../../projector/src/projections/index.js');
    let projections;
    try {
      projections = projectionsNamed(name);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const kit = await projectorToolkit(await cliConfig(['piiMasterKey']), 'projections');
    try {
      if (action === 'status') {
        const { projectionStatus } = await import('../../../projector/src/rebuild/projection-status.js');
        const status = await projectionStatus(kit.pool, kit.store, PROJECTIONS);
        console.table(
          status.projections.map((p) => ({
            projection: p.name,
            state: p.state,
            'lag (events)': p.lagEvents,
            'lag (s)': p.lagSeconds,
            writer: p.writer ? 'yes' : 'no',
            version: p.needsRebuild ? `${p.builtVersion} (code: ${p.codeVersion}, rebuild)` : p.codeVersion,
            rebuild: p.rebuild ?? '',
          })),
        );
        for (const problem of status.problems) console.log(problem);
        // Non-zero while a projection is stopped or a merchant's part waits: scripts and monitors can tell.
        return status.problems.length > 0 ? 3 : 0;
      }
      const { rebuild } = await import('../../../projector/src/rebuild/rebuild.js');
      const started = performance.now();
      const report = await rebuild(projections, { ...kit, ...(batchSize ? { batchSize } : {}) });
      const seconds = (performance.now() - started) / 1000;
      const resumed = report.resumed.length > 0 ? ` (resumed: ${report.resumed.join(', ')})` : '';
      console.log(`Rebuilt ${report.projections.join(', ')} in ${seconds.toFixed(2)} s${resumed}; swapped in.`);
      return 0;
    } finally {
      await kit.close();
    }
  },
};

function parse(args: readonly string[]) {
  try {
    return parseArgs({ args: [...args], options: { batch: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
