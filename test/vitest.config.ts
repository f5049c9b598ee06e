import { defineConfig } from 'vitest/config';

const root = new URL('..', import.meta.url).pathname;

export default defineConfig({
  test: {
    root,
    reporters: ['default'],
    projects: [
      {
        // Logic through Context and pure functions: no build, no child process, milliseconds each.
        test: { name: 'unit', root, include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 0 } },
      },
      {
        // The built binary as a person runs it: a pseudo-terminal, gnome-keyring, real shells, the
        // packed tarball. Two cores: files two at a time, with room for each test.
        test: { name: 'e2e', root, include: ['test/e2e/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000, maxWorkers: 2, sequence: { groupOrder: 1 }, globalSetup: ['test/e2e/global-setup.ts'] },
      },
    ],
  },
});
