/**
 * The lecture's attention worked example, every step computed by the models
 * package's attention code (`attentionSteps`) and laid out as the handout asks.
 */
import { ATTENTION_WORKED_EXAMPLE, type AttentionSteps, attentionSteps } from '@course/models';

export interface AttentionWorkedExample {
  q: number[][];
  k: number[][];
  v: number[][];
  dK: number;
  steps: AttentionSteps;
}

export function attentionWorkedExample(): AttentionWorkedExample {
  const copy = (m: readonly (readonly number[])[]) => m.map((r) => [...r]);
  const { q, k, v } = ATTENTION_WORKED_EXAMPLE;
  return {
    q: copy(q),
    k: copy(k),
    v: copy(v),
    dK: q[0].length,
    steps: attentionSteps(q, k, v, { causal: true }),
  };
}

const cell = (x: number) => (x === Number.NEGATIVE_INFINITY ? '−∞' : String(Number(x.toFixed(4))));

/** One markdown table per matrix, rows = query tokens. */
export function attentionMarkdown(ex: AttentionWorkedExample): string {
  const table = (title: string, m: number[][], columns: string[]) =>
    [
      `**${title}**`,
      '',
      `| | ${columns.join(' | ')} |`,
      `| --- | ${columns.map(() => '---').join(' | ')} |`,
      ...m.map((row, i) => `| token ${i + 1} | ${row.map(cell).join(' | ')} |`),
      '',
    ].join('\n');
  const keys = ex.k.map((_, j) => `key ${j + 1}`);
  const dims = ex.v[0].map((_, j) => `dim ${j + 1}`);
  return [
    `# Attention worked example (3 tokens, d_k = ${ex.dK}, causal)`,
    '',
    table(
      'Q',
      ex.q,
      ex.q[0].map((_, j) => `dim ${j + 1}`),
    ),
    table(
      'K',
      ex.k,
      ex.k[0].map((_, j) => `dim ${j + 1}`),
    ),
    table('V', ex.v, dims),
    table('1. scores Q·Kᵀ', ex.steps.scores, keys),
    table(`2. scaled by 1/√d_k = 1/√${ex.dK}`, ex.steps.scaled, keys),
    table('3. causal mask (key after query → −∞)', ex.steps.masked, keys),
    table('4. softmax over each row (attention weights)', ex.steps.weights, keys),
    table('5. output = weights·V', ex.steps.output, dims),
  ].join('\n');
}
