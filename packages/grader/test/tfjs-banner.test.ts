/**
 * tfjs's CPU backend greets every process on its first tensor ("Hi, looks like you are
 * running TensorFlow.js in Node.js…", via console.warn): grading shows none of it. Its own
 * file: the greeting comes once per process, so nothing else may run tfjs before this.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { expect, test, vi } from 'vitest';
import { courseGrade } from './helpers/run.js';

const ASSIGNMENT = fileURLToPath(new URL('../../../assignments/nn-fundamentals/', import.meta.url));

test('course-grade on nn-fundamentals (its computed references run tfjs on the cpu backend) prints no tfjs banner', async () => {
  const warned: string[] = [];
  const spy = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    warned.push(args.join(' '));
  });
  try {
    const r = await courseGrade(join(ASSIGNMENT, 'spec.json'), join(ASSIGNMENT, 'examples', 'correct'));
    expect(r.code, r.stderr).toBe(0);
    // the cpu backend did write its first tensor (when it greets)
    expect((tf.findBackend('cpu') as unknown as { firstUse: boolean }).firstUse).toBe(false);
    expect(warned.join('\n')).not.toContain('looks like you are running TensorFlow.js in Node.js');
    expect(r.stderr).not.toContain('looks like you are running TensorFlow.js');
    // any other warning still goes through
    console.warn('another warning');
    expect(warned).toContain('another warning');
  } finally {
    spy.mockRestore();
  }
});
