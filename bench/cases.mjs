/**
 * The bench's cases: one entry each. `run(name, opts)` resolves to the case's
 * JSON line; `torch` says whether bench/torch_reference.py implements the same
 * case (same shapes), so `--reference torch` can compare. Adding a case is an
 * entry here (plus its anchors in report.mjs and its torch twin, if any).
 */
import { benchBert } from './bert.mjs';
import { benchLstm, benchMlp } from './classic.mjs';
import { benchEval, benchHellaSwag, benchTrain } from './gpt.mjs';
import { benchLeaderboard } from './leaderboard.mjs';
import { benchMatMul } from './matmul.mjs';

export const CASES = {
  'gpt-q1': {
    run: benchTrain,
    torch: true,
    what: 'GPT-2 d1 c64 h1, vocab 50257, B 8, T 256, AdamW (train step)',
  },
  'gpt-tiny': { run: benchTrain, torch: true, what: 'GPT-2 d6 c384 h6, B 4, T 256, AdamW (train step)' },
  'gpt-tiny-t1024': {
    run: benchTrain,
    torch: false,
    what: "GPT-2 d6 c384 h6 at the handout's B 8, T 1024, AdamW (train step; peak_rss_mb is the point)",
  },
  'gpt-eval': {
    run: benchEval,
    torch: true,
    what: "the d6 model's loss, forward only, B 4, T 256 (the leaderboard's eval)",
  },
  'hellaswag-eval': {
    run: benchHellaSwag,
    torch: true,
    what: 'the d6 model scoring 32 HellaSwag examples (ctx 24, endings 12) through evaluateModel',
  },
  'mlp-digits': {
    run: benchMlp,
    torch: true,
    what: 'MLP 784-500-200-200-50-10 SELU, B 32, Adam 1e-3, through fit (samples/s)',
  },
  'lstm-sentiment': {
    run: benchLstm,
    torch: true,
    what: 'embedding 10000×64, LSTM 128, linear 5, B 64, T 64, AdamW 1e-3, through fit (samples/s)',
  },
  'bert-mini': {
    run: benchBert,
    torch: true,
    what: 'BERT L4 C256 H4 FFN 1024, vocab 30522, dropout 0.1, pooler, linear 5, B 16, T 128, AdamW 1e-4 (samples/s)',
  },
  matmul: {
    run: benchMatMul,
    torch: false,
    what: 'fp32 1024×1024×1024 plain, with transposeB, and batched 8×512³ (same FLOPs)',
  },
  leaderboard: {
    run: benchLeaderboard,
    torch: false,
    what: 'course-leaderboard serve under autocannon while a local worker evaluates',
  },
};
