import type { Command } from 'commander';

/**
 * Registers `conclave server` and `conclave admin …` on the program.
 * (Owned by the server side of the project; filled in with the server.)
 */
export function registerServerCommands(program: Command): void {
  void program;
}
