/** Assignment specs, answer checkers, grading, Gradescope results and batch reports. */
export { answerSchema, answersSchema } from './answers-schema.js';
export * from './batch.js';
export { multipleCredit, normalizeText, numberInUnits } from './checkers.js';
export {
  type CheckOptions,
  checkSubmission,
  type GraderIO,
  parseSubmittedAt,
  runCourseGrade,
} from './cli.js';
export { COMPUTED, type ComputedReference } from './computed.js';
export { evaluateFormula, type Formula, formulaIds, parseFormula } from './expr.js';
export * from './grade.js';
export { histogramBins, histogramSvg } from './histogram.js';
export * from './results.js';
export * from './spec.js';
export { SPEC_SCHEMA } from './spec-schema.js';
export { loadRawSubmission, type RawManifest, storedStudents } from './store.js';
export { loadSubmission, parseLenientJson, readArtifact, type Submission } from './submission.js';
export { acceptWindow, formatNumber, inWindow, type Window } from './tolerance.js';
