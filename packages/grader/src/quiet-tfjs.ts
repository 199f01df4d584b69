/**
 * tfjs-backend-cpu greets every Node process on its first tensor, through console.warn:
 * "Hi, looks like you are running TensorFlow.js in Node.js. To speed things up dramatically,
 * install our node backend…". Grading computes a few small references and has nothing to
 * speed up; students read the banner as an error. This drops that one message and passes
 * every other warning on. Called by the grader's entries (course-grade, course check).
 */
const BANNER = 'looks like you are running TensorFlow.js in Node.js';
const QUIET = Symbol.for('@course/grader quietTfjsBanner');

type Warn = typeof console.warn & { [QUIET]?: true };

export function quietTfjsBanner(): void {
  const current: Warn = console.warn;
  if (current[QUIET]) return;
  const quiet: Warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes(BANNER)) return;
    current.apply(console, args);
  };
  quiet[QUIET] = true;
  console.warn = quiet;
}
