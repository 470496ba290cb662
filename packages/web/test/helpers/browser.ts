import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`); `npx playwright install` is not used. */
export const CHROMIUM = process.env.CONCLAVE_CHROMIUM ?? '/usr/bin/chromium';

/** Every Playwright action and wait in this suite is bounded by this (ms) unless a call says otherwise. */
export const ACTION_TIMEOUT_MS = 10_000;

/** A headless chromium for one test file; close it in `after`. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--no-default-browser-check',
      // The server's certificate is self-signed; without the switch a service worker may not register.
      '--ignore-certificate-errors',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

export const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 } };
export const PHONE: BrowserContextOptions = {
  viewport: { width: 360, height: 640 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
};

/** Everything a page did that the security test looks at. */
export interface Watch {
  /** `console.error` lines, CSP violations (from the console and `securitypolicyviolation`), uncaught errors. */
  problems: string[];
  /** URLs of requests (and WebSockets) that went anywhere but `origin`. */
  foreignRequests: string[];
  /** Every request URL, in order. */
  requests: string[];
  /** Session tokens seen in `session` frames the server sent to the page. */
  tokens: string[];
}

/**
 * Runs in every page before its scripts: records each `conclave:sound` event
 * into `window.__sounds` and each CSP violation into `window.__cspViolations`.
 * (A string, not a function: tsx's transpiled functions may carry helpers the page lacks.)
 */
const INIT_SCRIPT = `
  window.__sounds = [];
  window.__cspViolations = [];
  window.addEventListener('conclave:sound', function (e) {
    window.__sounds.push(e && e.detail ? e.detail.sound : undefined);
  });
  document.addEventListener('securitypolicyviolation', function (e) {
    window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI + ' at ' + e.sourceFile + ':' + e.lineNumber + ':' + e.columnNumber);
  });
`;

export interface Opened {
  context: BrowserContext;
  page: Page;
  watch: Watch;
}

/**
 * A new context (self-signed certificate accepted) and page on `origin`
 * (not yet navigated), watched: problems, foreign requests, session tokens,
 * sounds. Close with `context.close()`.
 */
export async function openPage(browser: Browser, origin: string, options: BrowserContextOptions = DESKTOP): Promise<Opened> {
  const context = await browser.newContext({ ...options, ignoreHTTPSErrors: true, serviceWorkers: 'allow' });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
  await context.addInitScript(INIT_SCRIPT);
  const watch: Watch = { problems: [], foreignRequests: [], requests: [], tokens: [] };
  const page = await context.newPage();
  watchPage(page, origin, watch);
  return { context, page, watch };
}

function watchPage(page: Page, origin: string, watch: Watch): void {
  const own = (url: string) => url.startsWith('data:') || url.startsWith('blob:') || sameOrigin(url, origin);
  page.on('console', (msg) => {
    if (msg.type() === 'error' || /Content Security Policy/i.test(msg.text())) watch.problems.push(`console.${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => watch.problems.push(`pageerror: ${err.message}`));
  page.on('request', (req) => {
    watch.requests.push(req.url());
    if (!own(req.url())) watch.foreignRequests.push(req.url());
  });
  page.on('websocket', (ws) => {
    if (!own(ws.url())) watch.foreignRequests.push(ws.url());
    ws.on('framereceived', ({ payload }) => {
      if (typeof payload !== 'string' || !payload.includes('"session"')) return;
      try {
        const frame = JSON.parse(payload) as { type?: unknown; token?: unknown };
        if (frame.type === 'session' && typeof frame.token === 'string') watch.tokens.push(frame.token);
      } catch {
        // not JSON: not ours to judge here
      }
    });
  });
}

/** True when `url` is on `origin` (http(s) and ws(s) of the same host and port count as the same). */
function sameOrigin(url: string, origin: string): boolean {
  try {
    const u = new URL(url);
    const o = new URL(origin);
    return u.host === o.host && (u.protocol === 'https:' || u.protocol === 'wss:');
  } catch {
    return false;
  }
}

/** The sounds this page requested since it (re)loaded. */
export async function soundsOf(page: Page): Promise<string[]> {
  return page.evaluate<string[]>('Array.isArray(window.__sounds) ? window.__sounds.slice() : []');
}

/** CSP violations the page reported since it (re)loaded. */
export async function cspViolationsOf(page: Page): Promise<string[]> {
  return page.evaluate<string[]>('Array.isArray(window.__cspViolations) ? window.__cspViolations.slice() : []');
}
