import type { Command } from 'commander';
import { registerAdminCommands } from './admin-commands.js';
import { serverConfigOf, serverOptions } from './server-config.js';

/**
 * Registers `conclave server` and `conclave admin …` on the program.
 * Failures print one line on stderr and exit with status 1.
 */
export function registerServerCommands(program: Command): void {
  const serverCommand = program
    .command('server')
    .description('start a Conclave server (HTTPS + WebSocket on one port); options also from CONCLAVE_* variables or --config')
    .action(async (_opts: unknown, cmd: Command) => {
      const config = serverConfigOf(cmd);
      // The server's code loads only when a server starts (see main.ts).
      const { runServer } = await import('./commands/server.js');
      await runServer(config);
    });
  for (const option of serverOptions()) serverCommand.addOption(option);

  registerAdminCommands(program);
}

