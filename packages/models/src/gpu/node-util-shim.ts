/**
 * `@tensorflow/tfjs-node(-gpu)` 4.22 calls `util.isNullOrUndefined` and other
 * `util.is*` functions (deprecated since Node 4), which Node 23 removed. Before
 * loading either package, the missing ones are put back on the `node:util`
 * module object (the one the packages' `require('util')` returns), each with
 * the meaning Node gave it. Functions Node still has are left alone.
 */
import { createRequire } from 'node:module';
import { types } from 'node:util';

const require = createRequire(import.meta.url);

type Predicate = (value: unknown) => boolean;

/** What Node's removed `util.is*` returned (lib/util.js of Node 22), by name. */
export const UTIL_PREDICATES: Readonly<Record<string, Predicate>> = {
  isArray: (v) => Array.isArray(v),
  isBoolean: (v) => typeof v === 'boolean',
  isBuffer: (v) => Buffer.isBuffer(v),
  isDate: (v) => types.isDate(v),
  isError: (v) => Object.prototype.toString.call(v) === '[object Error]' || v instanceof Error,
  isFunction: (v) => typeof v === 'function',
  isNull: (v) => v === null,
  isNullOrUndefined: (v) => v === null || v === undefined,
  isNumber: (v) => typeof v === 'number',
  isObject: (v) => v !== null && typeof v === 'object',
  isPrimitive: (v) => v === null || (typeof v !== 'object' && typeof v !== 'function'),
  isRegExp: (v) => types.isRegExp(v),
  isString: (v) => typeof v === 'string',
  isSymbol: (v) => typeof v === 'symbol',
  isUndefined: (v) => v === undefined,
};

/**
 * Defines each of UTIL_PREDICATES that `util` lacks (default: Node's own
 * `node:util`); returns the names it defined (none on Node ≤ 22).
 */
export function shimNodeUtil(util: Record<string, unknown> = require('node:util')): string[] {
  const defined: string[] = [];
  for (const [name, predicate] of Object.entries(UTIL_PREDICATES)) {
    if (typeof util[name] === 'function') continue;
    Object.defineProperty(util, name, {
      value: predicate,
      writable: true,
      configurable: true,
      enumerable: true,
    });
    defined.push(name);
  }
  return defined;
}

/**
 * Loads a tfjs-node package the way the backend probes do: the `util` shim
 * first, then `load(packageName)` (`require` unless a test passes its own).
 */
export function requireWithUtilShim(packageName: string, load: (id: string) => unknown = require): unknown {
  shimNodeUtil();
  return load(packageName);
}
