import { useState } from 'react';
import { notificationPermission, requestNotifications } from '../../app/notifications.js';

/**
 * "Enable notifications": asks the browser's permission (system
 * notifications appear for messages while the tab is hidden). Once decided,
 * shows the state instead.
 */
export function NotificationsButton() {
  const [permission, setPermission] = useState(notificationPermission);
  if (permission === 'unsupported') return null;
  if (permission === 'granted') {
    return <p className="sidebar__note">🔔 Notifications are on for when this tab is in the background.</p>;
  }
  if (permission === 'denied') {
    return <p className="sidebar__note">Notifications are blocked for this site in your browser's settings.</p>;
  }
  return (
    <button type="button" className="button button--ghost button--block" onClick={() => void requestNotifications().then(setPermission)}>
      Enable notifications
    </button>
  );
}
