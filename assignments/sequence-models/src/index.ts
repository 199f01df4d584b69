/** The sequence-models assignment: sentiment data, RNN vs LSTM, gradient experiments, attention example. */
export * from './attention.js';
export * from './data.js';
export * from './gradients.js';
export * from './run.js';
export * from './sentiment.js';
