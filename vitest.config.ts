import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'connectors/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Most files wait on child processes, servers, PostgreSQL or a browser rather than compute:
    // two at a time even on two cores (vitest's default there is one).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // expect.poll waits for a condition; its default 1 s cap failed browser tests on a loaded machine.
    expect: { poll: { timeout: 20_000 } },
    minWorkers: 1,
    // Child-process tests build on dist/; globalSetup builds it once per test run.
    globalSetup: ['test/global-setup.ts'],
  },
});
