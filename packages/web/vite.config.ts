import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The web client's build: `npm run build -w @conclave/web` writes
 * `packages/web/dist`, which the server serves at `/` under a strict CSP
 * (no inline scripts or styles), so nothing here may emit inline code.
 */
export default defineConfig({
  plugins: [react()],
  // The MLS worker (src/platform/mls-worker.ts) is an ES module worker, split like the page.
  worker: { format: 'es' },
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
