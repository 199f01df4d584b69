/**
 * The four MLPs of the homework, with the parameter counts its handout states.
 * Every hidden layer is SELU with lecun_normal kernels (self-normalising
 * nets), the output a 10-way softmax.
 *
 * The fourth net's first four hidden widths are lost from the handout, which
 * keeps only that it has 8 hidden layers ending 400-400-100-50 and 1,168,460
 * parameters; 600-200-500-300 is one choice of the missing widths that
 * reproduces that count exactly (not necessarily the original's).
 */
export interface HomeworkNet {
  id: string;
  /** Widths, input first. */
  layers: number[];
  epochs: number;
  /** The handout's parameter count (weights and biases). */
  handoutParams: number;
  note?: string;
}

export const HOMEWORK_NETS: readonly HomeworkNet[] = [
  { id: 'mlp1', layers: [784, 30, 20, 10], epochs: 10, handoutParams: 24_380 },
  { id: 'mlp2', layers: [784, 60, 50, 40, 30, 10], epochs: 10, handoutParams: 53_730 },
  { id: 'mlp3', layers: [784, 500, 200, 200, 50, 10], epochs: 10, handoutParams: 543_460 },
  {
    id: 'mlp4',
    layers: [784, 600, 200, 500, 300, 400, 400, 100, 50, 10],
    epochs: 20,
    handoutParams: 1_168_460,
    note: 'first four hidden widths reconstructed (600-200-500-300) to match the handout count',
  },
];

export function netById(id: string): HomeworkNet | undefined {
  return HOMEWORK_NETS.find((n) => n.id === id);
}
