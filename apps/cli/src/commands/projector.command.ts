import { cliConfig } from '../cli-config.js';
import type { Command } from '../command.js';
import { startService } from '../service-start.js';

export const projectorCommand: Command = {
  name: 'projector',
  summary: 'run the projector (read models, daily RFM, /health, /metrics) until stopped',
  usage: 'relance projector',
  async run() {
    const config = await cliConfig(['piiMasterKey']);
    const { startProjector } = await import('../../../projector/src/main.js');
    return startService('projector', config, () => startProjector(config));
  },
};
