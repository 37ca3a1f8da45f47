import { defineConfig } from 'vitest/config';

// Integration tests start real sshd, PostgreSQL and barman processes; they run in
// separate forks and get generous timeouts. Speed is measured by `npm run bench`, never here.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every test file removes the temp directories it made (test/helpers/temp-cleanup.ts).
    setupFiles: ['test/helpers/temp-cleanup.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 180_000,
    maxConcurrency: 1,
  },
});
