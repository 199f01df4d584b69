export * from './data.js';
export * from './model.js';
export * from './pretrain.js';
export * from './run.js';
export * from './train.js';
