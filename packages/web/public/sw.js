/*
 * Conclave's service worker: keeps the app shell so the page opens offline
 * (it then waits for the server), and turns notification clicks into
 * "open this conversation". Plain JS, served at /sw.js.
 *
 * - navigations: network first, the cached "/" when offline;
 * - /assets/* (content-hashed names, never changed): cache first; those of
 *   the current index are cached ahead (install, each navigation), older
 *   builds' are dropped;
 * - icons and the manifest: network first, cache as fallback;
 * - never touched: /ws, /api/*, /healthz, other origins, non-GET requests.
 */
const CACHE = 'conclave-shell-v1';
const SHELL = ['/', '/manifest.webmanifest', '/icons/icon.svg', '/icons/icon-192.png'];

/**
 * Caches the hashed assets the cached index page loads (so the next start
 * works offline) and drops those of older builds.
 */
async function syncAssets() {
  const cache = await caches.open(CACHE);
  const page = await cache.match('/');
  if (!page) return;
  const wanted = new Set((await page.text()).match(/\/assets\/[A-Za-z0-9._-]+/g) ?? []);
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname;
    if (path.startsWith('/assets/') && !wanted.has(path)) await cache.delete(request);
  }
  const missing = [];
  for (const path of wanted) if (!(await cache.match(path))) missing.push(path);
  await cache.addAll(missing);
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(syncAssets)
      .catch(() => undefined)
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('conclave-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

/** True for what the worker must leave to the network untouched. */
function bypass(url) {
  return url.pathname === '/ws' || url.pathname.startsWith('/api/') || url.pathname === '/healthz';
}

async function networkFirst(request, fallbackKey) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(fallbackKey ?? request, response.clone());
    return response;
  } catch (err) {
    const cached = await cache.match(fallbackKey ?? request);
    if (cached) return cached;
    throw err;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || bypass(url)) return;
  if (request.mode === 'navigate') {
    // A new build's index names new assets: cache them once the new index is stored.
    const response = networkFirst(request, '/');
    event.respondWith(response);
    event.waitUntil(response.then(syncAssets).catch(() => undefined));
  } else if (url.pathname.startsWith('/assets/')) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname.startsWith('/icons/') || url.pathname === '/manifest.webmanifest') {
    event.respondWith(networkFirst(request));
  }
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const conversationId = event.notification.data && event.notification.data.conversationId;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(async (windows) => {
      const client = windows.find((w) => new URL(w.url).origin === self.location.origin);
      if (client) {
        await client.focus();
        if (conversationId) client.postMessage({ type: 'conclave:open-conversation', conversationId });
        return;
      }
      await self.clients.openWindow('/');
    }),
  );
});
