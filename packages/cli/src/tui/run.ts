import { createElement } from 'react';
import { render } from 'ink';
import type { ChatModel, ConclaveClient, ConclaveError, ExitReason } from '@conclave/client';
import { App } from './App.js';
import { closeClient } from '../connect.js';
import type { ChatFiles } from '../files/chat-files.js';

const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';

/**
 * Runs the full-screen UI on the alternate screen until the user quits or
 * logs out; restores the terminal even on a crash. Resolves with how it ended
 * (and the fatal error that ended it, if any).
 */
export async function runChatUi(
  client: ConclaveClient,
  model: ChatModel,
  opts: { server: string; files: ChatFiles },
): Promise<{ reason: ExitReason; error?: ConclaveError }> {
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    process.stdout.write(LEAVE_ALT_SCREEN);
  };
  process.stdout.write(ENTER_ALT_SCREEN);
  process.once('exit', restore);
  const ink = render(createElement(App, { model, server: opts.server, files: opts.files }), { exitOnCtrlC: false, patchConsole: true, maxFps: 30 });
  let error: ConclaveError | undefined;
  const reason = await new Promise<ExitReason>((resolve) => {
    model.onExit = resolve;
    client.on('connection', (change) => {
      if (change.state !== 'closed' || change.error === undefined) return;
      error = change.error;
      setTimeout(() => resolve('quit'), 1500);
    });
  });
  ink.unmount();
  await ink.waitUntilExit().catch(() => undefined);
  restore();
  process.off('exit', restore);
  await closeClient(client);
  return error === undefined ? { reason } : { reason, error };
}
