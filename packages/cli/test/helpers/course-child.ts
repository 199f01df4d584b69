/**
 * `course` from its TypeScript sources in a process of its own, for tests that
 * stop it from outside (kill -9): run with vite-node, which resolves the
 * workspace packages' sources as vitest does (the "source" condition).
 */
import { runCourse } from '../../src/run.js';

// The arguments come as JSON in COURSE_CHILD_ARGS (vite-node keeps its own argv).
const args: string[] = JSON.parse(process.env.COURSE_CHILD_ARGS ?? '[]');
process.exitCode = await runCourse(args);
