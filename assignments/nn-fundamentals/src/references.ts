/**
 * Every reference answer of the homework, computed by the toolkit from the
 * givens in homework.ts. The grader's spec.json computes the same numbers
 * through its registry; the tests hold both to hand derivations and published figures.
 */
import { CLASSIC_CNN_NOTES, classicCnnParameterCount, mlpParameterCount } from '@course/models';
import {
  averagePrecision,
  evaluateSigmoidNet,
  fcLayerRoofline,
  precisionRecallAt,
  precisionRecallCurve,
  sigmoidNetGradient,
} from '@course/trainer';
import {
  CNNS,
  CONFIDENCE_THRESHOLD,
  DETECTIONS,
  FC_LAYER,
  MLP_LAYERS,
  SIGMOID_NET,
  SIGMOID_NET_WEIGHTS,
} from './homework.js';

export interface Reference {
  /** Question id, as in spec.json and in an answers file. */
  id: string;
  /** What is asked, one line. */
  question: string;
  value: number | string;
  unit?: string;
  /** How the toolkit got it (shown in the report, not graded). */
  working: string;
}

/** The handout's weight name: 'W2[0][0]' → 'w⁽²⁾₁₁' written as w2_11. */
export function handoutWeightName(weight: string): string {
  const m = /^W([12])\[(\d+)\]\[(\d+)\]$/.exec(weight);
  return m ? `w${m[1]}_${Number(m[2]) + 1}${Number(m[3]) + 1}` : weight;
}

export function mlpReferences(): Reference[] {
  const withBias = mlpParameterCount(MLP_LAYERS);
  const terms = MLP_LAYERS.slice(1).map((out, i) => `${MLP_LAYERS[i]}·${out} + ${out}`);
  return [
    {
      id: '1',
      question: `parameters of the MLP ${MLP_LAYERS.join('-')} (weights and biases)`,
      value: withBias,
      working: `${terms.join(' + ')} = ${withBias.toLocaleString('en-US')}`,
    },
  ];
}

export function sigmoidNetReferences(): Reference[] {
  const net = evaluateSigmoidNet(SIGMOID_NET);
  const refs: Reference[] = [];
  net.hidden.forEach((h, j) => {
    refs.push({
      id: `2.h${j + 1}`,
      question: `hidden activation h${j + 1}`,
      value: h,
      working: `σ(b1 + Σᵢ xᵢ·w1_i${j + 1})`,
    });
  });
  net.outputs.forEach((y, k) => {
    refs.push({
      id: `2.y${k + 1}`,
      question: `output y${k + 1}`,
      value: y,
      working: `σ(b2 + Σⱼ hⱼ·w2_j${k + 1})`,
    });
  });
  refs.push({ id: '2.loss', question: 'loss ½Σ(y − t)²', value: net.loss, working: 'tfjs forward pass' });
  for (const weight of SIGMOID_NET_WEIGHTS) {
    const g = sigmoidNetGradient(SIGMOID_NET, weight);
    const name = handoutWeightName(weight);
    refs.push({
      id: `2.d${name}`,
      question: `∂L/∂${name}`,
      value: g.autodiff,
      working: `tfjs autodiff ${fmt(g.autodiff)}; central difference (h=${g.step}) ${fmt(g.finiteDifference)}`,
    });
  }
  return refs;
}

export function detectionReferences(): Reference[] {
  const at = precisionRecallAt(DETECTIONS, CONFIDENCE_THRESHOLD);
  const ap = averagePrecision(DETECTIONS);
  const t = CONFIDENCE_THRESHOLD;
  return [
    {
      id: '3.precision',
      question: `precision at confidence ≥ ${t}`,
      value: at.precision,
      working: `TP/(TP+FP) = ${at.tp}/(${at.tp}+${at.fp})`,
    },
    {
      id: '3.recall',
      question: `recall at confidence ≥ ${t}`,
      value: at.recall,
      working: `TP/(TP+FN) = ${at.tp}/(${at.tp}+${at.fn})`,
    },
    {
      id: '3.ap',
      question: 'average precision (all-point interpolated)',
      value: ap,
      working: apWorking(),
    },
  ];
}

/** Counted from each network built as a tfjs layer graph (needs a tfjs backend). */
export function cnnReferences(): Reference[] {
  return CNNS.map((name) => ({
    id: `4.${name}`,
    question: `parameters of ${name} (course params ${name})`,
    value: classicCnnParameterCount(name),
    working: CLASSIC_CNN_NOTES[name],
  }));
}

/** The AP sum written out: (recall, precision, envelope) at each step where recall grows. */
function apWorking(): string {
  const curve = precisionRecallCurve(DETECTIONS);
  const terms: string[] = [];
  let previous = 0;
  curve.forEach((p, k) => {
    if (p.recall === previous) return;
    const envelope = Math.max(...curve.slice(k).map((q) => q.precision));
    terms.push(`${fmt(p.recall - previous)}·${fmt(envelope)}`);
    previous = p.recall;
  });
  return `Σ Δrecall·max precision at ≥ that recall = ${terms.join(' + ')}`;
}

export function rooflineReferences(): Reference[] {
  const r = fcLayerRoofline(FC_LAYER);
  return [
    { id: '5.macs', question: 'multiply-accumulates', value: r.macs, working: 'batch·inputs·outputs' },
    {
      id: '5.bytes',
      question: 'bytes moved (weights + inputs + outputs)',
      value: r.bytes,
      unit: 'B',
      working: 'bytesPerValue·(inputs·outputs + batch·inputs + batch·outputs)',
    },
    {
      id: '5.compute',
      question: 'compute time at peak',
      value: r.computeSeconds,
      unit: 's',
      working: `MACs / (macsPerCycle·clock) = ${r.macs} / ${FC_LAYER.macsPerCycle * FC_LAYER.clockHz}`,
    },
    {
      id: '5.memory',
      question: 'memory time at full bandwidth',
      value: r.memorySeconds,
      unit: 's',
      working: `bytes / bandwidth = ${r.bytes} / ${FC_LAYER.bandwidthBytesPerSecond}`,
    },
    {
      id: '5.seconds',
      question: 'estimated layer time (roofline)',
      value: r.seconds,
      unit: 's',
      working: 'max(compute, memory)',
    },
    {
      id: '5.bound',
      question: 'compute-bound or memory-bound',
      value: r.bound,
      working: `intensity ${fmt(r.arithmeticIntensity)} MAC/B vs ridge ${fmt(r.ridgePoint)} MAC/B`,
    },
  ];
}

/** All references in question order. */
export function computeReferences(): Reference[] {
  return [
    ...mlpReferences(),
    ...sigmoidNetReferences(),
    ...detectionReferences(),
    ...cnnReferences(),
    ...rooflineReferences(),
  ];
}

/** Six significant digits, exponent form for small and large magnitudes. */
export function fmt(v: number | string): string {
  if (typeof v === 'string') return v;
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(5) : String(Number(v.toPrecision(6)));
}
