import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const API = process.env.ATTUNE_URL ?? 'http://127.0.0.1:3000';

// The console is built into dist/web, where the api role serves it (src/http/web-console.ts).
// `npx vite web` serves it with hot reload against a running Attune at ATTUNE_URL.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    proxy: {
      '/api': API,
      '/health': API,
      '/ws': { target: API.replace(/^http/, 'ws'), ws: true },
    },
  },
});
