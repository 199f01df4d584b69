/** Score histograms: a whole question text as the title must not stretch the chart's SVG. */
import { describe, expect, test } from 'vitest';
import { histogramSvg } from '../src/index.js';

describe('histogramSvg', () => {
  test('a long question title is shortened to 60 characters with an ellipsis; a short one is kept', async () => {
    const long = `1a: ${'Run ./train_gpt2cu and read main.log, then report the slowest step. '.repeat(3)}`;
    const svg = await histogramSvg(long, [0, 2, 2], 2);
    const title = `${long.slice(0, 59).trimEnd()}… (n = 3)`;
    expect(svg).toContain(`>${title}</text>`);
    expect(svg).not.toContain(long.slice(0, 80));
    const width = Number(/^<svg[^>]* width="(\d+)"/.exec(svg)?.[1]);
    const short = await histogramSvg('1a: slowest step', [0, 2, 2], 2);
    expect(short).toContain('>1a: slowest step (n = 3)</text>');
    // the chart is 400 px wide; the whole title made the image 1612 px
    expect(width).toBeLessThan(800);
  });
});
