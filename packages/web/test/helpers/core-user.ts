import type { Browser } from 'playwright-core';
import type { ConversationId } from '@conclave/protocol';
import { ChatModel, ConclaveClient, MemoryStore, type ConversationSummary } from '@conclave/client';
import { tappedFactory } from '../../../client/test/helpers/harness.js';
import { launchBrowser, openPage, type Opened } from './browser.js';
import { startWebEnv, until, type WebEnv } from './env.js';
import { signIn, ui } from './ui.js';

/**
 * A second user driven from the test process through the client core and
 * its shared view model (`ChatModel`, what both UIs render): the other side
 * of the web client's conversation, for what the terminal program's script
 * mode cannot do yet (replying, reacting, editing, typing, reading).
 */
export interface CoreUser {
  client: ConclaveClient;
  model: ChatModel;
  /** The conversation named `#room` / `@peer` as this user lists it. @throws Error when not listed */
  conversation(label: string): ConversationSummary;
  /** Waits (bounded) until `check` holds, re-checking at every change the client reports. */
  until<T>(check: () => T, what: string, ms?: number): Promise<NonNullable<T>>;
  close(): Promise<void>;
}

/** Signs `username` in on its own device (an in-memory store) and loads what it has; bounded by the request timeout. */
export async function coreUser(env: WebEnv, username: string, password: string): Promise<CoreUser> {
  const client = new ConclaveClient({
    url: `wss://${env.address}/ws`,
    socketFactory: tappedFactory(),
    store: new MemoryStore(),
    deviceName: `test ${username}`,
    requestTimeoutMs: 10_000,
  });
  const model = new ChatModel(client);
  await client.connect({ kind: 'login', username, password });
  await model.loadHistory();
  const self: CoreUser = {
    client,
    model,
    conversation(label) {
      const found = client.snapshot().conversations.find((c) => (c.kind === 'dm' ? `@${c.name.replace(/^@/, '')}` : c.name) === label);
      if (found === undefined) throw new Error(`${username} has no conversation ${label}`);
      return found;
    },
    until: (check, what, ms = 15_000) => until(check, `${username}: ${what}`, ms, 50),
    async close() {
      await client.close().catch(() => undefined);
    },
  };
  return self;
}

/** A browser user (alice, signed in on #general) and a client-core user (bob) in one server, for the message suites. */
export interface BrowserAndCore {
  env: WebEnv;
  browser: Browser;
  alice: Opened;
  bob: CoreUser;
  /** #general's id. */
  general: ConversationId;
  /** Closes bob, alice's page, the browser and the server. */
  close(): Promise<void>;
}

/**
 * Starts a server with `passwords`' users, signs alice in on a Chromium page
 * and bob in with the client core, and waits until both devices are in
 * #general's group (what bob sends from then on reaches alice's browser).
 */
export async function browserAndCore(passwords: { alice: string; bob: string }): Promise<BrowserAndCore> {
  const env = await startWebEnv({ users: passwords });
  const browser = await launchBrowser();
  const bob = await coreUser(env, 'bob', passwords.bob);
  const general = bob.conversation('#general').conversationId;
  const alice = await openPage(browser, env.origin);
  await signIn(alice.page, env.origin, 'alice', passwords.alice);
  await ui.current(alice.page, '#general').waitFor({ state: 'attached' });
  await bob.until(() => bob.client.groupMembers(general).length >= 2, "alice's browser in #general");
  return {
    env,
    browser,
    alice,
    bob,
    general,
    async close() {
      await bob.close();
      await alice.context.close().catch(() => {});
      await browser.close();
      await env.close();
    },
  };
}
