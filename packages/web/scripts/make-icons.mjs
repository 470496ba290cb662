#!/usr/bin/env node
// Rasterises the app icons (public/icons/*.svg) into the PNGs the manifest
// and iOS need, with a local Chromium through playwright-core. Run once after
// changing an SVG (the PNGs are committed):
//   node packages/web/scripts/make-icons.mjs [/path/to/chromium]
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const icons = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons');
const outputs = [
  { svg: 'icon.svg', png: 'icon-192.png', size: 192, background: 'transparent' },
  { svg: 'icon.svg', png: 'icon-512.png', size: 512, background: 'transparent' },
  { svg: 'icon-maskable.svg', png: 'icon-maskable-512.png', size: 512, background: 'transparent' },
  // iOS draws its own rounded corners and shows black behind transparency: use the full-bleed art.
  { svg: 'icon-maskable.svg', png: 'apple-touch-icon.png', size: 180, background: 'transparent' },
];

const browser = await chromium.launch({
  executablePath: process.argv[2] ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
try {
  for (const o of outputs) {
    const svg = await readFile(join(icons, o.svg), 'utf8');
    const page = await browser.newPage({ viewport: { width: o.size, height: o.size }, deviceScaleFactor: 1 });
    const html = `<!doctype html><style>html,body{margin:0;background:${o.background}}svg{display:block;width:${o.size}px;height:${o.size}px}</style>${svg}`;
    await page.setContent(html);
    await page.screenshot({ path: join(icons, o.png), omitBackground: true, clip: { x: 0, y: 0, width: o.size, height: o.size } });
    await page.close();
    console.log(`${o.png} (${o.size}×${o.size})`);
  }
} finally {
  await browser.close();
}
