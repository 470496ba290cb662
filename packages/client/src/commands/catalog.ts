/** The slash commands a user can type, with their help text. */
export const COMMANDS = {
  help: { usage: '/help [COMMAND]', summary: 'list commands, or explain one', aliases: [] },
  who: { usage: '/who', summary: 'who is online, and who is in this conversation', aliases: [] },
  msg: { usage: '/msg USER [TEXT]', summary: 'private message; without TEXT, switch to the conversation with USER', aliases: ['whisper'] },
  join: { usage: '/join #ROOM', summary: 'join a room (created if it does not exist) and switch to it', aliases: [] },
  leave: { usage: '/leave [#ROOM]', summary: 'leave a room (default: the current one)', aliases: ['part'] },
  rooms: { usage: '/rooms', summary: 'list the rooms on this server', aliases: [] },
  verify: { usage: '/verify USER [yes]', summary: 'compare your safety number with USER and mark their devices verified', aliases: [] },
  devices: { usage: '/devices [USER]', summary: "list USER's devices (default: yours) with key fingerprints and trust", aliases: [] },
  invite: { usage: '/invite [HOURS]', summary: 'admins: create a one-time registration code (default 24 h)', aliases: [] },
  logout: { usage: '/logout', summary: 'end this session on the server and quit', aliases: [] },
  quit: { usage: '/quit', summary: 'quit (you stay logged in for next time)', aliases: ['exit'] },
} as const satisfies Record<string, { usage: string; summary: string; aliases: readonly string[] }>;

/** A command's canonical name, e.g. `msg` (also typed as `/whisper`). */
export type CommandName = keyof typeof COMMANDS;

/** Canonical names in help order. */
export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

/** Every spelling a user may type (names and aliases) → canonical name. */
export const SPELLINGS: ReadonlyMap<string, CommandName> = new Map(
  COMMAND_NAMES.flatMap((name) => [name, ...COMMANDS[name].aliases].map((s) => [s, name] as const)),
);

/**
 * Help lines: one per command (`usage — summary`, usages padded to align),
 * or the usage, summary and aliases of one command.
 */
export function helpLines(topic?: CommandName): string[] {
  if (topic !== undefined) {
    const c = COMMANDS[topic];
    const aliases: readonly string[] = c.aliases;
    return [
      `${c.usage} — ${c.summary}`,
      ...(aliases.length > 0 ? [`also: ${aliases.map((a) => `/${a}`).join(', ')}`] : []),
    ];
  }
  const width = Math.max(...COMMAND_NAMES.map((n) => COMMANDS[n].usage.length));
  return [
    ...COMMAND_NAMES.map((n) => `${COMMANDS[n].usage.padEnd(width)}  ${COMMANDS[n].summary}`),
    `${'TEXT'.padEnd(width)}  send to the current conversation (start with // to send a leading /)`,
  ];
}
