import type { Page } from 'playwright-core';

/*
 * In-page inspections, written as plain JavaScript strings: they run in the
 * page, where only the page's globals exist (and tsx's transpiled functions
 * could reference helpers the page lacks).
 */

/** What page scripts can read: Web Storage, `document.cookie`, and every IndexedDB record (bytes decoded as Latin-1). */
export interface PageReadable {
  webStorage: string;
  cookie: string;
  indexedDb: string;
}

const READABLE_SCRIPT = `(async () => {
  const storage = (s) => { const out = []; for (let i = 0; i < s.length; i++) { const k = s.key(i); out.push(k + '=' + s.getItem(k)); } return out.join('\\n'); };
  const bytes = (v) => { const u = v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength); let s = ''; for (const b of u) s += String.fromCharCode(b); return s; };
  const replacer = (_k, v) => (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) ? bytes(v) : v;
  const req = (r) => new Promise((res, rej) => { r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
  const dump = async () => {
    const out = [];
    const infos = indexedDB.databases ? await indexedDB.databases() : [];
    for (const info of infos) {
      if (!info.name) continue;
      const db = await req(indexedDB.open(info.name));
      try {
        for (const name of Array.from(db.objectStoreNames)) {
          const store = db.transaction(name, 'readonly').objectStore(name);
          const [keys, values] = await Promise.all([req(store.getAllKeys()), req(store.getAll())]);
          out.push(info.name + '/' + name + ' ' + JSON.stringify(keys, replacer) + ' ' + JSON.stringify(values, replacer));
        }
      } finally { db.close(); }
    }
    return out.join('\\n');
  };
  const timeout = new Promise((_, rej) => setTimeout(() => rej(new Error('IndexedDB dump timed out')), 5000));
  return {
    webStorage: storage(localStorage) + '\\n' + storage(sessionStorage),
    cookie: document.cookie,
    indexedDb: await Promise.race([dump(), timeout]),
  };
})()`;

/** Everything the page's own scripts could read back. */
export function pageReadable(page: Page): Promise<PageReadable> {
  return page.evaluate<PageReadable>(READABLE_SCRIPT);
}

/** One visible interactive element that is smaller than a finger. */
export interface SmallTarget {
  what: string;
  width: number;
  height: number;
}

/** The layout facts the phone test checks. */
export interface LayoutReport {
  scrollWidth: number;
  innerWidth: number;
  small: SmallTarget[];
  /** How many visible interactive elements were measured. */
  measured: number;
}

/**
 * Measures horizontal overflow and the size of every visible button, link,
 * text field (conversation entries are buttons) — at least `min` px high;
 * buttons and links also wide. A checkbox or radio is measured by its label.
 */
const LAYOUT_SCRIPT = `((min) => {
  const selector = 'button, [role="button"], a[href], input:not([type="hidden"]), textarea, select';
  const small = [];
  let measured = 0;
  for (const el of Array.from(document.querySelectorAll(selector))) {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || Number(style.opacity) === 0) continue;
    if (el.closest('[hidden], [aria-hidden="true"], [inert]')) continue;
    const type = (el.getAttribute('type') || '').toLowerCase();
    const box = (type === 'checkbox' || type === 'radio') && el.closest('label') ? el.closest('label') : el;
    const r = box.getBoundingClientRect();
    // Visually hidden (screen-reader-only) elements are 1px boxes; they are not touch targets.
    if (r.width <= 2 || r.height <= 2) continue;
    measured++;
    const isButton = el.matches('button, [role="button"], a[href]') || box !== el;
    const tooSmall = r.height < min - 0.5 || (isButton && r.width < min - 0.5);
    if (tooSmall) {
      const name = (el.getAttribute('aria-label') || el.textContent || el.getAttribute('placeholder') || el.getAttribute('name') || '').trim().slice(0, 40);
      small.push({ what: el.tagName.toLowerCase() + (type ? '[' + type + ']' : '') + ' "' + name + '"', width: Math.round(r.width), height: Math.round(r.height) });
    }
  }
  return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, small, measured };
})(${44})`;

/** Overflow and touch-target sizes (44 px) of what the page shows now. */
export function layoutReport(page: Page): Promise<LayoutReport> {
  return page.evaluate<LayoutReport>(LAYOUT_SCRIPT);
}
