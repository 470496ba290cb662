import type { ConversationId } from '@conclave/protocol';
import type { Cue } from '@conclave/client';

/** What the page does when a notification is clicked: focus and open the conversation. */
export type OpenConversation = (conversationId: ConversationId) => void;

/** The `postMessage` the service worker sends when its notification is clicked. */
export interface OpenConversationMessage {
  type: 'conclave:open-conversation';
  conversationId: ConversationId;
}

/** Whether this browser has the Notifications API at all. */
export function notificationsSupported(): boolean {
  return typeof Notification !== 'undefined';
}

/** `granted`, `denied`, `default`, or `unsupported`. */
export function notificationPermission(): NotificationPermission | 'unsupported' {
  return notificationsSupported() ? Notification.permission : 'unsupported';
}

/** Asks for permission (call from a click). Resolves with the answer; never throws. */
export async function requestNotifications(): Promise<NotificationPermission | 'unsupported'> {
  if (!notificationsSupported()) return 'unsupported';
  try {
    return await Notification.requestPermission();
  } catch {
    return Notification.permission;
  }
}

/**
 * Shows a system notification for a message cue (`room`, `private` or
 * `mention`) when permission is granted and the page is hidden (a mention
 * notifies whether or not sounds are muted: muting is about sounds only). Prefers the service worker
 * (its notifications work on Android, where `new Notification` throws);
 * clicks come back through `listenForNotificationClicks`.
 */
export async function notifyCue(cue: Cue, open: OpenConversation): Promise<void> {
  if (cue.sound !== 'room' && cue.sound !== 'private' && cue.sound !== 'mention') return;
  if (!notificationsSupported() || Notification.permission !== 'granted' || !document.hidden) return;
  const options: NotificationOptions = {
    body: cue.body ?? '',
    icon: '/icons/icon-192.png',
    badge: '/icons/icon-192.png',
    ...(cue.conversationId !== undefined && { tag: cue.conversationId, data: { conversationId: cue.conversationId } }),
  };
  try {
    const registration = 'serviceWorker' in navigator ? await navigator.serviceWorker.getRegistration() : undefined;
    if (registration?.active) {
      await registration.showNotification(cue.title, options);
      return;
    }
    const n = new Notification(cue.title, options);
    n.onclick = () => {
      window.focus();
      if (cue.conversationId !== undefined) open(cue.conversationId);
      n.close();
    };
  } catch {
    // Notifications are a convenience: a browser that refuses simply shows none.
  }
}

/** Routes clicks on service-worker notifications to `open`; returns the unsubscribe function. */
export function listenForNotificationClicks(open: OpenConversation): () => void {
  if (!('serviceWorker' in navigator)) return () => undefined;
  const onMessage = (event: MessageEvent<unknown>): void => {
    const data = event.data as Partial<OpenConversationMessage> | null;
    if (data?.type === 'conclave:open-conversation' && typeof data.conversationId === 'string') open(data.conversationId);
  };
  navigator.serviceWorker.addEventListener('message', onMessage);
  return () => navigator.serviceWorker.removeEventListener('message', onMessage);
}
