import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// One vitest run over every workspace; packages resolve each other's TypeScript
// sources through the "source" export condition, so tests never see a stale dist/.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  // The repository root, also when a package's own `npm test` points here.
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    include: ['packages/*/test/**/*.test.ts', 'assignments/*/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
