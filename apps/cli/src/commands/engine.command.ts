import type { Command } from '../command.js';

export const engineCommand: Command = {
  name: 'engine',
  summary: 'run the engine (HTTP API, command handling) until stopped',
  usage: 'relance engine',
  async run() {
    const { loadConfig } = await import('@relance/platform');
    const config = loadConfig(process.env, ['piiMasterKey']);
    const { startEngine } = await import('../../../engine/src/main.js');
    await startEngine(config);
    // Keeps running: the HTTP server holds the event loop open until a signal closes the app.
    return new Promise<number>(() => undefined);
  },
};
