import type { Command } from '../command.js';

export const projectorCommand: Command = {
  name: 'projector',
  summary: 'run the projector (read models, daily RFM, /health, /metrics) until stopped',
  usage: 'relance projector',
  async run() {
    const { loadConfig } = await import('@relance/platform');
    const config = loadConfig(process.env, ['piiMasterKey']);
    const { startProjector } = await import('../../../projector/src/main.js');
    await startProjector(config);
    // Keeps running: the HTTP server holds the event loop open until a signal closes the app.
    return new Promise<number>(() => undefined);
  },
};
