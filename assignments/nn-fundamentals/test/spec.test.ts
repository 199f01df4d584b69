/**
 * spec.json and the script must ask the same questions of the same givens:
 * every computed question's args are homework.ts's values, and every reference
 * the script prints is a question of the spec (and back).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '@course/models';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CNNS,
  CONFIDENCE_THRESHOLD,
  DETECTIONS,
  FC_LAYER,
  MLP_LAYERS,
  SIGMOID_NET,
} from '../src/homework.js';
import { computeReferences } from '../src/references.js';

interface SpecQuestion {
  id: string;
  check: { kind: string; fn?: string; args?: Record<string, unknown>; answer?: unknown };
}
const read = (rel: string) => JSON.parse(readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8'));
const spec: { questions: SpecQuestion[] } = read('../spec.json');

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('spec.json', () => {
  it('uses the handout givens in every computed question', () => {
    for (const { id, check } of spec.questions) {
      if (check.kind !== 'computed') continue;
      const { quantity, index, weight, field, threshold, ...rest } = check.args ?? {};
      switch (check.fn) {
        case 'mlp_params':
          expect(rest, id).toEqual({ layers: MLP_LAYERS });
          break;
        case 'sigmoid_net':
          expect(rest, id).toEqual(SIGMOID_NET);
          break;
        case 'precision_at':
        case 'recall_at':
          expect(threshold, id).toBe(CONFIDENCE_THRESHOLD);
          expect(rest, id).toEqual({ pairs: DETECTIONS });
          break;
        case 'average_precision':
          expect(rest, id).toEqual({ pairs: DETECTIONS });
          break;
        case 'fc_roofline':
          expect(rest, id).toEqual(FC_LAYER);
          break;
        case 'cnn_params':
          expect(CNNS, id).toContain(rest.model);
          break;
        default:
          throw new Error(`${id}: computed fn ${check.fn} has no givens check here`);
      }
    }
  });

  it('keys the CNN counts to the toolkit: computed from the built graphs, never typed', () => {
    const cnn = spec.questions.filter((q) => q.id.startsWith('4.'));
    expect(cnn.map((q) => q.id)).toEqual(['4.alexnet', '4.vgg19', '4.resnet152']);
    for (const q of cnn) {
      expect(q.check, q.id).toEqual({
        kind: 'computed',
        fn: 'cnn_params',
        args: { model: q.id.slice(2) },
        compare: 'integer',
      });
    }
  });

  it('asks exactly the graded references of the script; the choice key is the computed bound', () => {
    const refs = computeReferences();
    const graded = new Set(spec.questions.map((q) => q.id));
    const printedOnly = ['5.compute', '5.memory']; // intermediate steps shown, not graded
    expect(refs.map((r) => r.id).filter((id) => !printedOnly.includes(id))).toEqual([...graded]);
    const bound = spec.questions.find((q) => q.id === '5.bound');
    expect(bound?.check.answer).toBe(refs.find((r) => r.id === '5.bound')?.value);
  });

  it('example submissions answer every question', () => {
    const ids = spec.questions.map((q) => q.id).sort();
    for (const file of [
      '../examples/correct/answers.json',
      '../examples/mistakes/answers.json',
      '../examples/published-answers.json',
    ]) {
      expect(Object.keys(read(file)).sort(), file).toEqual(ids);
    }
    expect(read('../examples/published-answers.json')['1']).toBe(22_018);
  });
});
