import type { Command } from '../command.js';
import { startService } from '../service-start.js';

export const engineCommand: Command = {
  name: 'engine',
  summary: 'run the engine (HTTP API, command handling) until stopped',
  usage: 'relance engine',
  async run() {
    const { loadConfig } = await import('@relance/platform');
    const config = loadConfig(process.env, ['piiMasterKey']);
    const { startEngine } = await import('../../../engine/src/main.js');
    return startService('engine', config, () => startEngine(config));
  },
};
