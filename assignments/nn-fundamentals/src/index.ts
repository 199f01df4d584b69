/** The nn-fundamentals homework: its givens and the toolkit's reference answers. */
export * from './homework.js';
export * from './references.js';
export * from './report.js';
