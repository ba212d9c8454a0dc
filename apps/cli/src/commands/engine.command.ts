import { cliConfig } from '../cli-config.js';
import type { Command } from '../command.js';
import { startService } from '../service-start.js';

export const engineCommand: Command = {
  name: 'engine',
  summary: 'run the engine (HTTP API, command handling) until stopped',
  usage: 'relance engine',
  async run() {
    const config = await cliConfig(['piiMasterKey']);
    const { startEngine } = await import('../../../engine/src/main.js');
    return startService('engine', config, () => startEngine(config));
  },
};
