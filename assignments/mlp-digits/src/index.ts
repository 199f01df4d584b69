/** The mlp-digits assignment: data loading and splitting, the homework's nets, the pipeline. */
export * from './data.js';
export * from './nets.js';
export { type RunOptions, type RunSummary, runMlpDigits } from './pipeline.js';
export * from './report.js';
