// First: before any frame schema parses (see no-eval.ts).
import './platform/no-eval.js';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App.js';
import './styles/base.css';
import './styles/controls.css';
import './styles/auth.css';
import './styles/chat.css';
import './styles/sidebar.css';
import './styles/messages.css';
import './styles/dialog.css';
import './styles/admin.css';
import './styles/admin-lists.css';
import './styles/message-actions.css';
import './styles/reactions.css';
import './styles/composer-extras.css';
import './styles/panels.css';
import './styles/emoji-picker.css';
import './styles/files.css';

/**
 * Registers the service worker (app-shell cache for offline start). Failures
 * are ignored: a self-signed certificate makes some browsers refuse it, and
 * the app works without.
 */
function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
  });
}

const root = document.getElementById('root');
if (root !== null) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
registerServiceWorker();
