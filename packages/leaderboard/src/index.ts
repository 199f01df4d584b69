export { acceptedCheckpointBytes, createApp, listen, nextUtcMidnight } from './app.js';
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
export { checkpointPath, dataDirFor } from './paths.js';
export { type Board, type BoardRow, buildBoard } from './ranking.js';
export { type RunningLeaderboard, startLeaderboard } from './server.js';
export { Store } from './store.js';
export {
  fetchSubmission,
  type SubmissionState,
  type SubmitOptions,
  type SubmitReply,
  submitCheckpoint,
  waitForSubmission,
} from './submit-client.js';
export { runLocalWorker, runOneLocalJob, runRemoteWorker } from './worker.js';
