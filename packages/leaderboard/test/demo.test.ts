import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { requireBuilt } from '../../../scripts/require-built.js';
import { runLeaderboardDemo } from '../src/demo.js';
import { TINY_ARCH, tempDir, tinyCheckpoint, tinyHeldout } from './helpers/fixtures.js';

const BUILT = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bin', 'course-leaderboard.js');

describe('runLeaderboardDemo', () => {
  beforeAll(() => requireBuilt(BUILT));
  test('submits, waits for scores, prints the URL and the ranked board, shuts down', async () => {
    const dir = tempDir('lb-demo-');
    const held = tinyHeldout(dir);
    const lines: string[] = [];
    const demo = await runLeaderboardDemo({
      checkpoints: [
        { student: 'ada', path: tinyCheckpoint(dir, 41), maxLr: 1e-2, spendUsd: 3 },
        { student: 'bo', path: tinyCheckpoint(dir, 42), maxLr: 1e-3, spendUsd: 30 },
      ],
      val: held.valPattern,
      hellaswag: held.hellaswagPath,
      arch: TINY_ARCH,
      evaluation: { B: 2, T: 16, valBatches: 4 },
      backend: 'cpu',
      once: true,
      dir,
      log: (line) => lines.push(line),
    });
    expect(demo.board.rows.map((r) => r.student)).toEqual(['ada']);
    expect(demo.board.over_budget.map((r) => [r.student, r.over_budget])).toEqual([['bo', true]]);
    const printed = lines.join('\n');
    expect(printed).toContain(`leaderboard: ${demo.url}/`);
    expect(printed).toMatch(/^\s+1 {2}ada /m);
    expect(printed).toContain('over the tuning budget (ranked separately):');
    // once: the server is gone.
    await expect(fetch(`${demo.url}/api/leaderboard`)).rejects.toThrow();
  });
});
