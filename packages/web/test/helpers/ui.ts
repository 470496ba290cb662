import type { Locator, Page } from 'playwright-core';
import { until } from './env.js';

/**
 * The web client as the UI contract names it (see the brief in the final
 * report): roles and accessible names first, `data-*` only where the contract
 * defines them.
 */

/** Escapes `text` for use inside a RegExp. */
export function re(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const ui = {
  username: (page: Page) => page.getByLabel('Username', { exact: true }),
  password: (page: Page) => page.getByLabel('Password', { exact: true }),
  repeatPassword: (page: Page) => page.getByLabel('Repeat password', { exact: true }),
  signInButton: (page: Page) => page.getByRole('button', { name: 'Sign in', exact: true }),
  createAccountSwitch: (page: Page) =>
    page.getByRole('button', { name: 'Create an account', exact: true }).or(page.getByRole('link', { name: 'Create an account', exact: true })),
  createAccountButton: (page: Page) => page.getByRole('button', { name: 'Create account', exact: true }),
  conversations: (page: Page) => page.getByRole('navigation', { name: 'Conversations', exact: true }),
  /** The conversation entry whose name starts with `label` (`#general`, `@bob`). */
  conversation: (page: Page, label: string) =>
    ui.conversations(page).getByRole('button', { name: new RegExp(`^${re(label)}(?![\\w-])`) }),
  /**
   * The conversation entry `label` marked as the one shown (`aria-current`).
   * Not in the UI contract: the app marks the selected entry so, and it is the
   * only way to know a switch (say, "Message bob" opening the DM) has happened.
   */
  current: (page: Page, label: string) => ui.conversation(page, label).and(page.locator('[aria-current]:not([aria-current="false"])')),
  log: (page: Page) => page.getByRole('log', { name: 'Messages', exact: true }),
  /** Every message entry (`data-kind="message"`), optionally by `sender` and containing `text`. */
  messages: (page: Page, filter: { sender?: string; text?: string } = {}) => {
    const sel = filter.sender === undefined ? '[data-kind="message"]' : `[data-kind="message"][data-sender="${filter.sender}"]`;
    const all = ui.log(page).locator(sel);
    return filter.text === undefined ? all : all.filter({ hasText: filter.text });
  },
  composer: (page: Page) => page.getByRole('textbox', { name: 'Message', exact: true }),
  sendButton: (page: Page) => page.getByRole('button', { name: 'Send', exact: true }),
  messageUser: (page: Page, username: string) => page.getByRole('button', { name: `Message ${username}`, exact: true }),
  /** "Mute sounds" / "Unmute sounds" (one toggle, whichever name it has now). */
  muteToggle: (page: Page) => page.getByRole('button', { name: /^(Mute|Unmute) sounds$/ }),
  signOutButton: (page: Page) => page.getByRole('button', { name: 'Sign out', exact: true }),
  dialog: (page: Page) => page.getByRole('dialog'),
  status: (page: Page) => page.getByRole('status'),
  back: (page: Page) => page.getByRole('button', { name: 'Back', exact: true }),
};

/** Waits (bounded) until the chat is shown and the composer takes input. */
export async function waitForChat(page: Page, ms = 30_000): Promise<void> {
  await ui.conversations(page).or(ui.composer(page)).first().waitFor({ state: 'visible', timeout: ms });
}

/** Opens the site and signs in with the form (mouse/fill). Resolves once the chat shows. */
export async function signIn(page: Page, origin: string, username: string, password: string): Promise<void> {
  if (!page.url().startsWith(origin)) await page.goto(`${origin}/`);
  await ui.username(page).fill(username);
  await ui.password(page).fill(password);
  await ui.signInButton(page).click();
  await waitForChat(page);
}

/** Opens the site, switches to registration and creates an account (open registration). Resolves once the chat shows. */
export async function register(page: Page, origin: string, username: string, password: string): Promise<void> {
  if (!page.url().startsWith(origin)) await page.goto(`${origin}/`);
  await ui.createAccountSwitch(page).click();
  await ui.username(page).fill(username);
  await ui.password(page).fill(password);
  await ui.repeatPassword(page).fill(password);
  await ui.createAccountButton(page).click();
  await waitForChat(page);
}

/** Types `text` into "Message" and presses Enter (the contract: Enter sends). */
export async function send(page: Page, text: string): Promise<void> {
  const box = ui.composer(page);
  await box.click();
  await box.fill(text);
  await box.press('Enter');
  await until(async () => (await box.inputValue()) === '', `the composer to clear after sending "${text}"`, 10_000);
}

/** Waits (bounded) until a message from `sender` containing `text` is shown in the current conversation. */
export async function waitForMessage(page: Page, sender: string, text: string, ms = 20_000): Promise<Locator> {
  const entry = ui.messages(page, { sender, text }).first();
  await entry.waitFor({ state: 'visible', timeout: ms });
  return entry;
}

/** Opens the conversation `label` from the list (a phone shows the list first: "Back" gets there). */
export async function openConversation(page: Page, label: string): Promise<void> {
  const item = ui.conversation(page, label);
  if (!(await item.isVisible()) && (await ui.back(page).isVisible())) await ui.back(page).click();
  await item.click();
  await ui.current(page, label).waitFor({ state: 'attached' });
}

/** Clicks "Message <username>" and waits until the DM is the conversation shown. Returns how long the switch took (ms). */
export async function openDmByClick(page: Page, username: string): Promise<number> {
  const started = Date.now();
  await ui.messageUser(page, username).click();
  await ui.current(page, `@${username}`).waitFor({ state: 'attached', timeout: 20_000 });
  return Date.now() - started;
}

/** How many message entries contain `text` (any sender). */
export async function countMessages(page: Page, text: string): Promise<number> {
  return ui.messages(page, { text }).count();
}

/** The page's `document` as far as the in-page callbacks below use it (the suite compiles without the DOM lib). */
interface PageGlobals {
  document: { activeElement: unknown };
}

/** True when `locator`'s element has the keyboard focus. */
export async function isFocused(locator: Locator): Promise<boolean> {
  // An inline arrow: it runs in the page, so it may use only page globals.
  return locator.evaluate((el) => el === (globalThis as unknown as PageGlobals).document.activeElement);
}

/** Presses Tab (at most `max` times) until `target` has the focus; throws naming `what` otherwise. */
export async function tabTo(page: Page, target: Locator, what: string, max = 30): Promise<number> {
  for (let presses = 0; presses <= max; presses++) {
    if (await isFocused(target)) return presses;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${what} never got the focus in ${max} Tab presses`);
}

/** Waits (bounded) for the page's images and fonts, then writes `name` (a PNG) into `dir` (viewport only, no caret). */
export async function screenshot(page: Page, dir: string, name: string): Promise<void> {
  // (Polled with evaluate: waitForFunction with a string evals in the page, which its CSP rightly refuses.)
  await until(() => page.evaluate<boolean>('Array.from(document.images).every((i) => i.complete) && document.fonts.status === "loaded"'), `images and fonts of ${name}`);
  await page.screenshot({ path: `${dir}/${name}`, animations: 'disabled', caret: 'hide' });
}
