import type { Command } from '../command.js';
import { startService } from '../service-start.js';

export const projectorCommand: Command = {
  name: 'projector',
  summary: 'run the projector (read models, daily RFM, /health, /metrics) until stopped',
  usage: 'relance projector',
  async run() {
    const { loadConfig } = await import('@relance/platform');
    const config = loadConfig(process.env, ['piiMasterKey']);
    const { startProjector } = await import('../../../projector/src/main.js');
    return startService('projector', config, () => startProjector(config));
  },
};
