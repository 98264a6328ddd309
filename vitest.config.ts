import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'connectors/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Child-process tests build on dist/; globalSetup builds it once per test run.
    globalSetup: ['test/global-setup.ts'],
  },
});
