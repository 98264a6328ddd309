import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Built into dist/console, which `staffwire serve` serves at `/`; `npm run dev:console` proxies the API to a local serve. */
export default defineConfig({
  root,
  plugins: [react()],
  // @rjsf/core imports the ajv validator for a test helper only; ajv needs eval (see no-ajv-validator.ts).
  resolve: { alias: { '@rjsf/validator-ajv8': fileURLToPath(new URL('./src/forms/no-ajv-validator.ts', import.meta.url)) } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    // The page may load no inline script (CSP script-src 'self'): Vite's module preload polyfill would be one.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 2000,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
