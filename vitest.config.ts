import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // expect.poll waits for a condition (a browser rendering, a record finishing); its 1 s default
    // is a timing threshold a loaded CI machine can miss. A wrong result still fails, 15 s later.
    expect: { poll: { timeout: 15_000 } },
    // Two cores: more workers only thrash sharp and the databases.
    maxWorkers: 2,
  },
});
