export type { CourseIO, Output } from './io.js';
export { runCourse } from './run.js';
