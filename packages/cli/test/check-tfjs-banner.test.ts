/**
 * `course check` shows no tfjs "Hi, looks like you are running TensorFlow.js in Node.js"
 * banner (the cpu backend's greeting on its first tensor). Its own file: the greeting comes
 * once per process, so nothing else may run tfjs before this.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { expect, test, vi } from 'vitest';
import { course } from './run-course.js';

const ASSIGNMENT = fileURLToPath(new URL('../../../assignments/nn-fundamentals/', import.meta.url));

test('course check on nn-fundamentals prints no tfjs banner', async () => {
  const warned: string[] = [];
  const spy = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    warned.push(args.join(' '));
  });
  try {
    const r = await course('check', join(ASSIGNMENT, 'spec.json'), join(ASSIGNMENT, 'examples', 'correct'));
    expect(r.code, r.stderr).toBe(0);
    expect((tf.findBackend('cpu') as unknown as { firstUse: boolean }).firstUse).toBe(false);
    expect(warned.join('\n')).not.toContain('looks like you are running TensorFlow.js in Node.js');
  } finally {
    spy.mockRestore();
  }
});
