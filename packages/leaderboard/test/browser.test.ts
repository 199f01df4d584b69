/**
 * The board in a real browser (Debian's chromium driven by playwright-core):
 * ranked rows in order, the over-budget flag, readable at phone width without
 * the page scrolling sideways; screenshots kept in test-artifacts/ (gitignored).
 * `.ci/run` installs chromium; this skips, loudly, only when it is truly absent.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '@course/models';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BoardRow } from '../src/ranking.js';
import { runOneLocalJob, type WorkerSetup } from '../src/worker.js';
import {
  startTestServer,
  submit,
  type TestServer,
  tempDir,
  tinyCheckpoint,
  tinyConfig,
} from './helpers/fixtures.js';

// The page.evaluate callbacks run in chromium; this Node test program has no DOM types, so the
// little of the DOM they read is declared here (module scope: no DOM globals for the other tests).
declare const document: { documentElement: { scrollWidth: number } };
declare const window: { innerWidth: number };

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present) {
  console.warn(
    `\n!!!!!!!! browser.test.ts SKIPPED: ${CHROMIUM} is missing. Install it: apt-get install -y chromium (CI's .ci/run does) !!!!!!!!\n`,
  );
}
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-artifacts');
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** 64 characters, the longest name a student can have, without a place to break it. */
const LONG_NAME = 'Bartholomew_Fitzgerald-Worthington.III_of_the_Northern_Highlands';
let server: TestServer;
let expected: BoardRow[];
let overBudget: BoardRow[];

beforeAll(async () => {
  if (!present) return;
  await selectBackend('cpu');
  const dir = tempDir('lb-browser-');
  server = await startTestServer(tinyConfig(), dir);
  const entries: [string, number, string][] = [
    ['ada', 31, '4.5'],
    ['grace', 32, '19.99'],
    ['linus', 33, '0'],
    ['spendy', 34, '35'],
    [LONG_NAME, 35, '1'],
  ];
  for (const [name, seed, spend] of entries) {
    const { token } = server.store.addStudent(name);
    const res = await submit(server.url, token, {
      checkpoint: readFileSync(tinyCheckpoint(dir, seed)),
      max_lr: '3e-4',
      spend_usd: spend,
    });
    expect(res.status).toBe(202);
  }
  const setup = server.store.getSetting<WorkerSetup>('worker_setup')!;
  while (runOneLocalJob(server.store, setup, server.dataDir, 'browser-test', () => {})) {}
  const board = (await (await fetch(`${server.url}/api/leaderboard`)).json()) as {
    rows: BoardRow[];
    over_budget: BoardRow[];
  };
  expected = board.rows;
  overBudget = board.over_budget;
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await server?.close();
});

describe.skipIf(!present)('leaderboard page in chromium', () => {
  test('ranked rows as the API ranks them, over budget flagged; fits a phone; screenshots kept', async () => {
    const profile = tempDir('lb-chromium-profile-');
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: LAUNCH_ARGS,
      javaScriptEnabled: false, // the board must work without JavaScript
      viewport: { width: 1000, height: 700 },
    });
    try {
      const page = await context.newPage();
      const response = await page.goto(`${server.url}/`);
      expect(response?.status()).toBe(200);
      const tables = page.locator('table');
      expect(await tables.count()).toBe(2); // the board, and the over-budget board
      const rows = tables.nth(0).locator('tbody tr');
      expect(await rows.count()).toBe(4);
      for (let i = 0; i < expected.length; i++) {
        const cells = rows.nth(i).locator('td');
        expect(await cells.nth(0).innerText()).toBe(String(expected[i].rank));
        expect((await cells.nth(1).innerText()).trim()).toBe(expected[i].student);
        expect(await cells.nth(2).innerText()).toContain(expected[i].hellaswag_acc!.toFixed(4));
        expect(await cells.nth(3).innerText()).toBe(expected[i].val_loss!.toFixed(4));
      }
      expect(overBudget.map((r) => r.student)).toEqual(['spendy']);
      const flagged = tables.nth(1).locator('tbody tr');
      expect(await flagged.count()).toBe(1);
      expect(await flagged.first().innerText()).toContain('spendy');
      expect(await flagged.first().locator('.flag').innerText()).toBe('over budget');
      await page.screenshot({ path: join(ARTIFACTS, 'leaderboard.png'), fullPage: true });

      // Phone width: the page itself does not scroll sideways (tables scroll inside their box).
      await page.setViewportSize({ width: 375, height: 740 });
      await page.goto(`${server.url}/`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(ARTIFACTS, 'leaderboard-phone.png'), fullPage: true });

      // A student's history page from the board's link.
      await page.click(`a[href="/students/${expected[0].student}"]`);
      expect(await page.locator('h1').innerText()).toBe(expected[0].student);
      expect(await page.locator('td.status').first().innerText()).toBe('scored');
      expect(existsSync(join(ARTIFACTS, 'leaderboard.png'))).toBe(true);
    } finally {
      await context.close();
    }
  });

  test('fits a 390 px phone: no sideways scrolling, rank/name/HellaSwag in view, each legend beside its column', async () => {
    expect(LONG_NAME).toHaveLength(64);
    const context = await chromium.launchPersistentContext(tempDir('lb-chromium-profile-'), {
      executablePath: CHROMIUM,
      headless: true,
      args: LAUNCH_ARGS,
      javaScriptEnabled: false,
      viewport: { width: 390, height: 844 },
    });
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      const board = page.locator('table').nth(0);
      const rows = board.locator('tbody tr');
      for (let i = 0; i < (await rows.count()); i++) {
        const cell = await rows.nth(i).locator('td.hellaswag').boundingBox();
        expect(cell!.x + cell!.width, `row ${i}: HellaSwag cell`).toBeLessThanOrEqual(390);
      }
      // The legend sits in the header of the column it describes.
      const headers = board.locator('thead th');
      const hellaswagHeader = await headers.nth(2).innerText();
      const lossHeader = await headers.nth(3).innerText();
      expect(hellaswagHeader).toContain('HellaSwag');
      expect(hellaswagHeader).toContain('higher is better');
      expect(hellaswagHeader).not.toContain('lower is better');
      expect(lossHeader).toContain('Val loss');
      expect(lossHeader).toContain('lower is better');
      expect(lossHeader).not.toContain('higher is better');
      await page.screenshot({ path: join(ARTIFACTS, 'leaderboard-390.png'), fullPage: true });
      await page.goto(`${server.url}/students/${LONG_NAME}`);
      expect(await page.locator('h1').innerText()).toBe(LONG_NAME);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.screenshot({ path: join(ARTIFACTS, 'student-390.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });
});
