import type { Locator, Page } from 'playwright-core';
import type { ChatModel, MessageItem } from '@conclave/client';
import { ui } from './ui.js';

/*
 * The message features of the web client as the tests name them: the hover
 * toolbar's buttons, reaction chips, the composer's reply / edit banner, the
 * typing line, "Seen by", the side panels.
 */

export const messages = {
  /** The message entry (`data-kind="message"`) from `sender` containing `text`. */
  entry: (page: Page, sender: string, text: string): Locator => ui.messages(page, { sender, text }).first(),
  /** A reaction chip of a message, by its emoji (its accessible name is "👍 2: alice, bob"). */
  chip: (entry: Locator, emoji: string): Locator => entry.getByRole('group', { name: 'Reactions' }).locator(`[data-emoji="${emoji}"]`),
  /** "Replying to bob: …" / "Editing message — Esc to cancel" above the message box. */
  mode: (page: Page): Locator => page.locator('.composer__mode'),
  /** "bob is typing…" above the message box (a polite live region). */
  typing: (page: Page): Locator => page.locator('.composer__typing'),
  /** The quote above a reply. */
  quote: (entry: Locator): Locator => entry.locator('.quote'),
  /** "Seen by …" under a message. */
  seen: (entry: Locator): Locator => entry.locator('.msg__seen'),
  header: (page: Page): Locator => page.locator('.conv-header'),
};

/** Shows a message's hover toolbar (the pointer over it) and clicks its button `name` ("Reply", "React with 👍", "Edit"…). */
export async function messageAction(entry: Locator, name: string): Promise<void> {
  await entry.scrollIntoViewIfNeeded();
  await entry.hover();
  await entry.getByRole('toolbar').getByRole('button', { name, exact: true }).click();
}

/** Whether `el` lies wholly inside the visible part of the message list. */
export async function inView(page: Page, el: Locator): Promise<boolean> {
  const [box, log] = await Promise.all([el.boundingBox(), ui.log(page).boundingBox()]);
  return box !== null && log !== null && box.y >= log.y - 1 && box.y + box.height <= log.y + log.height + 1;
}

/** The message item of a model's pane (in `conversationId`'s pane) whose text includes `text`, if any. */
export function itemOf(model: ChatModel, conversationId: Parameters<ChatModel['pane']>[0], text: string): MessageItem | undefined {
  return model.pane(conversationId).find((i): i is MessageItem => i.kind === 'message' && i.text.includes(text));
}

/**
 * Waits (bounded) until a message from `sender` containing `text` is shown and placed by the server (no
 * `data-status`: its pane key is final then); returns its key and a locator by that key (it stays valid
 * when the text changes, e.g. after an edit).
 */
export async function placed(page: Page, sender: string, text: string, ms = 20_000): Promise<{ key: string; entry: Locator }> {
  const entry = ui.messages(page, { sender, text }).and(page.locator(':not([data-status])')).first();
  await entry.waitFor({ state: 'visible', timeout: ms });
  const key = await entry.getAttribute('data-key');
  if (key === null) throw new Error(`the message "${text}" has no data-key`);
  return { key, entry: ui.log(page).locator(`[data-key="${key}"]`) };
}
