/** The comparison table (Markdown and CSV) and the test-set prediction tables. */
import { IMAGE_SIZE, PIXELS } from './data.js';

export interface NetResult {
  id: string;
  layers: string;
  params: number;
  /** Epochs actually run (early stopping may end sooner than planned). */
  epochs: number;
  plannedEpochs: number;
  /** Last epoch's numbers, as Keras' History shows them. */
  loss: number;
  accuracy: number;
  val_loss: number;
  val_accuracy: number;
  /** Best validation accuracy and its 1-based epoch: the weights in best.safetensors. */
  best_val_accuracy: number;
  best_epoch: number;
  /** Test set, evaluated with the best checkpoint's weights. */
  test_loss: number;
  test_accuracy: number;
  train_seconds: number;
}

interface Column {
  header: string;
  cell(r: NetResult): string;
}

const f4 = (x: number) => x.toFixed(4);
const COLUMNS: Column[] = [
  { header: 'net', cell: (r) => r.id },
  { header: 'layers', cell: (r) => r.layers },
  { header: 'params', cell: (r) => String(r.params) },
  { header: 'epochs', cell: (r) => `${r.epochs}` },
  { header: 'loss', cell: (r) => f4(r.loss) },
  { header: 'accuracy', cell: (r) => f4(r.accuracy) },
  { header: 'val_loss', cell: (r) => f4(r.val_loss) },
  { header: 'val_accuracy', cell: (r) => f4(r.val_accuracy) },
  { header: 'best val_accuracy (epoch)', cell: (r) => `${f4(r.best_val_accuracy)} (${r.best_epoch})` },
  { header: 'test_accuracy', cell: (r) => f4(r.test_accuracy) },
  { header: 'training time (s)', cell: (r) => r.train_seconds.toFixed(1) },
];

export function comparisonMarkdown(results: readonly NetResult[]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |\n`;
  return (
    line(COLUMNS.map((c) => c.header)) +
    line(COLUMNS.map((_, i) => (i < 2 ? '---' : '---:'))) +
    results.map((r) => line(COLUMNS.map((c) => c.cell(r)))).join('')
  );
}

/** Machine-readable: full-precision numbers, one column per field. RFC 4180 (CRLF). */
export const CSV_FIELDS: (keyof NetResult)[] = [
  'id',
  'layers',
  'params',
  'epochs',
  'plannedEpochs',
  'loss',
  'accuracy',
  'val_loss',
  'val_accuracy',
  'best_val_accuracy',
  'best_epoch',
  'test_loss',
  'test_accuracy',
  'train_seconds',
];

export function comparisonCsv(results: readonly NetResult[]): string {
  const rows = [CSV_FIELDS.join(','), ...results.map((r) => CSV_FIELDS.map((f) => String(r[f])).join(','))];
  return rows.map((r) => `${r}\r\n`).join('');
}

export interface TestPredictions {
  labels: Int32Array;
  origin: string[];
  pixels: Float32Array;
  /** Per net: predicted class and its probability for every test digit. */
  byNet: { id: string; predicted: Int32Array; confidence: Float32Array; probOfLabel: Float32Array }[];
}

/** Every test digit: its origin, label, and each net's prediction and confidence. */
export function predictionsCsv(p: TestPredictions): string {
  const header = [
    'test_index',
    'origin',
    'label',
    ...p.byNet.flatMap((n) => [`${n.id}_predicted`, `${n.id}_confidence`]),
  ];
  const rows = [header.join(',')];
  for (let i = 0; i < p.labels.length; i++) {
    const cells = [String(i), `"${p.origin[i]}"`, String(p.labels[i])];
    for (const n of p.byNet) cells.push(String(n.predicted[i]), n.confidence[i].toFixed(4));
    rows.push(cells.join(','));
  }
  return rows.map((r) => `${r}\r\n`).join('');
}

/** Brightness ramp for the text pictures of misclassified digits. */
const RAMP = ' .:-=+*#%@';

function digitPicture(pixels: Float32Array, row: number): string {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let p = 0; p < PIXELS; p++) {
    const v = pixels[row * PIXELS + p];
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const lines: string[] = [];
  for (let y = 0; y < IMAGE_SIZE; y++) {
    let line = '';
    for (let x = 0; x < IMAGE_SIZE; x++) {
      const v = (pixels[row * PIXELS + y * IMAGE_SIZE + x] - min) / (max - min || 1);
      line += RAMP[Math.min(RAMP.length - 1, Math.floor(v * RAMP.length))];
    }
    lines.push(line.trimEnd());
  }
  return lines.join('\n');
}

/**
 * The first `count` misclassified test digits of net `id`: a table, then text
 * pictures of the first few; plus every net's test error count.
 */
export function predictionsMarkdown(p: TestPredictions, id: string, count = 10, pictures = 3): string {
  const net = p.byNet.find((n) => n.id === id)!;
  const wrong: number[] = [];
  for (let i = 0; i < p.labels.length; i++) if (net.predicted[i] !== p.labels[i]) wrong.push(i);
  const out: string[] = [];
  out.push(`# Test-set predictions\n`);
  out.push('| net | misclassified | of |\n| --- | ---: | ---: |');
  for (const n of p.byNet) {
    let errors = 0;
    for (let i = 0; i < p.labels.length; i++) if (n.predicted[i] !== p.labels[i]) errors++;
    out.push(`| ${n.id} | ${errors} | ${p.labels.length} |`);
  }
  out.push(
    `\n## First ${Math.min(count, wrong.length)} misclassified by ${id} (the best validation accuracy)\n`,
  );
  out.push(
    '| test index | origin | label | predicted | p(predicted) | p(label) |\n| ---: | --- | ---: | ---: | ---: | ---: |',
  );
  for (const i of wrong.slice(0, count)) {
    out.push(
      `| ${i} | ${p.origin[i]} | ${p.labels[i]} | ${net.predicted[i]} | ${net.confidence[i].toFixed(4)} | ${net.probOfLabel[i].toFixed(4)} |`,
    );
  }
  for (const i of wrong.slice(0, pictures)) {
    out.push(
      `\nTest digit ${i}: label ${p.labels[i]}, predicted ${net.predicted[i]}\n\n\`\`\`\n${digitPicture(p.pixels, i)}\n\`\`\``,
    );
  }
  return `${out.join('\n')}\n`;
}
