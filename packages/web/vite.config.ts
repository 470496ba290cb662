import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const require = createRequire(import.meta.url);

/** markdown-it and the packages it brings (see `worker` below). */
const MARKDOWN_PACKAGES = /node_modules\/(markdown-it|linkify-it|mdurl|uc\.micro|punycode\.js|entities)\//;

/**
 * The web client's build: `npm run build -w @conclave/web` writes
 * `packages/web/dist`, which the server serves at `/` under a strict CSP
 * (no inline scripts or styles), so nothing here may emit inline code.
 */
export default defineConfig({
  // emojiData: the emoji picker's data, served by us (see `emojiData` below).
  plugins: [react(), emojiData()],
  // The MLS worker (src/platform/mls-worker.ts) is an ES module worker, split like the page. It
  // imports the client core's index: the Markdown parser's packages, which do not declare
  // themselves free of side effects, are left out of it (the worker never formats text).
  worker: {
    format: 'es',
    rolldownOptions: { treeshake: { moduleSideEffects: (id: string) => !MARKDOWN_PACKAGES.test(id) } },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Inlined assets would become data: URLs in CSS/JS; keep every asset a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    // The MLS stack (ts-mls, noble, hpke) is most of the bundle and is needed before sign-in.
    chunkSizeWarningLimit: 1024,
  },
  server: {
    // `npm run dev -w @conclave/web`: the WebSocket and /api go to a local server.
    proxy: {
      '/ws': { target: 'https://127.0.0.1:9443', ws: true, secure: false },
      '/api': { target: 'https://127.0.0.1:9443', secure: false },
    },
  },
});

/**
 * Serves the emoji picker's data from our own origin (the page's CSP allows
 * no other, and a self-hosted server may have no internet): Emojibase's
 * English `data.json` and `messages.json`, from the `emojibase-data` package,
 * as files under `/assets/emojibase-<version>/en/` — the layout the picker
 * (frimousse) fetches as `${emojibaseUrl}/${locale}/${file}.json`. The version
 * is in the path, so the server's year-long cache of `/assets/` is right.
 *
 * `data.json` keeps only the fields the picker reads (label, emoji, version,
 * group, subgroup, tags, skins' emoji and tone): 748 kB → 319 kB (56 kB gzip).
 * The URL reaches the page as the constant `__EMOJIBASE_URL__`.
 */

interface EmojibaseEmoji {
  label: string;
  emoji: string;
  version: number;
  group?: number;
  subgroup?: number;
  tags?: string[];
  skins?: Array<{ emoji: string; tone?: number | number[] }>;
}

/** The installed emojibase-data version (e.g. `17.0.0`). */
function emojibaseVersion(): string {
  const pkg = JSON.parse(readFileSync(require.resolve('emojibase-data/package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function trimmedData(): string {
  const all = JSON.parse(readFileSync(require.resolve('emojibase-data/en/data.json'), 'utf8')) as EmojibaseEmoji[];
  return JSON.stringify(
    all.map((e) => ({
      label: e.label,
      emoji: e.emoji,
      version: e.version,
      ...(e.group !== undefined && { group: e.group }),
      ...(e.subgroup !== undefined && { subgroup: e.subgroup }),
      ...(e.tags !== undefined && { tags: e.tags }),
      ...(e.skins !== undefined && { skins: e.skins.map((s) => ({ emoji: s.emoji, tone: s.tone })) }),
    })),
  );
}

function messages(): string {
  return JSON.stringify(JSON.parse(readFileSync(require.resolve('emojibase-data/en/messages.json'), 'utf8')));
}

/** The Vite plugin: emits the two files in a build, serves them in `vite dev`, defines `__EMOJIBASE_URL__`. */
export function emojiData(): Plugin {
  const dir = `assets/emojibase-${emojibaseVersion()}`;
  const files: Record<string, () => string> = { 'en/data.json': trimmedData, 'en/messages.json': messages };
  return {
    name: 'conclave-emoji-data',
    config: () => ({ define: { __EMOJIBASE_URL__: JSON.stringify(`/${dir}`) } }),
    generateBundle() {
      for (const [name, source] of Object.entries(files)) this.emitFile({ type: 'asset', fileName: `${dir}/${name}`, source: source() });
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const name = req.url?.startsWith(`/${dir}/`) ? req.url.slice(dir.length + 2) : undefined;
        const make = name === undefined ? undefined : files[name];
        if (make === undefined) return next();
        res.setHeader('content-type', 'application/json');
        res.end(make());
      });
    },
  };
}
