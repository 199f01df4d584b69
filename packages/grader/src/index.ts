export * from './computed.js';
export * from './expr.js';
export * from './spec.js';
export { SPEC_SCHEMA } from './spec-schema.js';
