export type { CourseIO, Output } from '@course/trainer';
export { runCourse } from './run.js';
