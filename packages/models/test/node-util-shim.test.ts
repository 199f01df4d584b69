import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadLibtensorflow } from '../src/backend.js';
import { shimNodeUtil, UTIL_PREDICATES } from '../src/gpu/node-util-shim.js';

// The module object tfjs-node's `require('util')` gets.
const nodeUtil = createRequire(import.meta.url)('node:util') as Record<string, unknown>;

/** Removes util[name] until the end of the test (as Node 23+ has it), whatever it was before. */
const restores: (() => void)[] = [];
function removeFromUtil(name: string): void {
  const saved = Object.getOwnPropertyDescriptor(nodeUtil, name);
  delete nodeUtil[name];
  restores.push(() => {
    if (saved === undefined) delete nodeUtil[name];
    else Object.defineProperty(nodeUtil, name, saved);
  });
}
afterEach(() => {
  while (restores.length > 0) restores.pop()?.();
});

// The 15 functions Node ≤ 22 had, with values chosen by hand to separate each from its neighbours.
const date = new Date(0);
const cases: [string, unknown[], unknown[]][] = [
  // name, values it is true for, values it is false for
  ['isArray', [[], [1]], [{ length: 0 }, 'ab', new Uint8Array(1)]],
  ['isBoolean', [true, false], [0, 'true', null]],
  ['isBuffer', [Buffer.from('a')], [new Uint8Array(1), 'a']],
  ['isDate', [date], [0, date.toISOString(), {}]],
  ['isError', [new Error('e'), new TypeError('t')], [{ message: 'e', name: 'Error' }, 'e']],
  ['isFunction', [() => 1, class {}], [{}, null]],
  ['isNull', [null], [undefined, 0, '']],
  ['isNullOrUndefined', [null, undefined], [0, '', false, Number.NaN]],
  ['isNumber', [0, Number.NaN, -1.5], ['1', 1n, null]],
  ['isObject', [{}, [], date], [null, () => 1, 'a']],
  ['isPrimitive', [null, undefined, 1, 'a', true, Symbol('s'), 1n], [{}, [], () => 1]],
  ['isRegExp', [/a/, /b/g], ['/a/', {}]],
  ['isString', ['', 'a'], [new String('a'), 1]],
  ['isSymbol', [Symbol('s')], ['s', {}]],
  ['isUndefined', [undefined], [null, 0]],
];

describe('shimNodeUtil', () => {
  it('defines every missing util.is* function with the meaning Node gave it', () => {
    const util: Record<string, unknown> = {};
    const defined = shimNodeUtil(util);
    expect(defined.sort()).toEqual(cases.map(([name]) => name).sort());
    expect(Object.keys(UTIL_PREDICATES)).toHaveLength(15);
    for (const [name, yes, no] of cases) {
      const predicate = util[name] as (v: unknown) => boolean;
      for (const value of yes) expect(predicate(value), `${name}(${String(value)})`).toBe(true);
      for (const value of no) expect(predicate(value), `${name}(${String(value)})`).toBe(false);
    }
  });

  it('leaves the functions that exist alone', () => {
    const own = () => 'own';
    const util: Record<string, unknown> = { isArray: own, isNull: own };
    const defined = shimNodeUtil(util);
    expect(defined).not.toContain('isArray');
    expect(defined).not.toContain('isNull');
    expect(defined).toHaveLength(13);
    expect(util.isArray).toBe(own);
    expect(shimNodeUtil(util)).toEqual([]); // a second call has nothing left to do
  });

  it("puts a removed function back on Node's own util module", () => {
    removeFromUtil('isNullOrUndefined');
    expect(nodeUtil.isNullOrUndefined).toBeUndefined();
    expect(shimNodeUtil()).toContain('isNullOrUndefined');
    expect((nodeUtil.isNullOrUndefined as (v: unknown) => boolean)(undefined)).toBe(true);
  });
});

describe('loadLibtensorflow (what the tensorflow and tensorflow-gpu probes call)', () => {
  it.skipIf(tf.findBackendFactory('tensorflow') !== null)(
    'has the util functions in place when it requires the package',
    () => {
      removeFromUtil('isNullOrUndefined');
      removeFromUtil('isString');
      const seen: Record<string, string> = {};
      // Stands in for require('@tensorflow/tfjs-node'): it calls util as the real package does.
      const load = (id: string) => {
        seen.id = id;
        seen.isNullOrUndefined = typeof nodeUtil.isNullOrUndefined;
        seen.isString = typeof nodeUtil.isString;
        (nodeUtil.isNullOrUndefined as (v: unknown) => boolean)(null);
        throw new Error('stand-in stops here');
      };
      const reason = loadLibtensorflow('@tensorflow/tfjs-node', load);
      expect(seen).toEqual({
        id: '@tensorflow/tfjs-node',
        isNullOrUndefined: 'function',
        isString: 'function',
      });
      expect(reason).toBe('@tensorflow/tfjs-node is installed but failed to load: stand-in stops here');
    },
  );
});
