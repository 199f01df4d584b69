export {
  acceptedCheckpointBytes,
  checkpointPath,
  createApp,
  dataDirFor,
  listen,
  nextUtcMidnight,
} from './app.js';
export { runLeaderboardCli } from './cli.js';
export {
  DEFAULT_CONFIG,
  type EvaluationSettings,
  type LeaderboardConfig,
  type RankKey,
  readConfigFile,
  resolveConfig,
} from './config.js';
export { migrate, openDatabase, schemaVersion } from './db.js';
export {
  type DemoCheckpoint,
  formatBoardText,
  type LeaderboardDemo,
  type LeaderboardDemoOptions,
  runLeaderboardDemo,
} from './demo.js';
export { evaluatorVersion, scoreCheckpoint } from './evaluate.js';
export { type HeldoutManifest, prepareHeldout, splitIndices } from './heldout.js';
export { type Board, type BoardRow, buildBoard } from './ranking.js';
export { type RunningLeaderboard, startLeaderboard } from './server.js';
export { Store } from './store.js';
export { runLocalWorker, runOneLocalJob, runRemoteWorker } from './worker.js';
