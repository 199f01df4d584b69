#!/usr/bin/env node
// The installed `mlp-digits` command: runs the compiled program. A committed shim, so that
// `npm ci` can link the command before anything is built.
// `… | head` closing the pipe early is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

import('../dist/bin/mlp-digits.js')
  .then(async (m) => {
    process.exitCode = await m.main(process.argv.slice(2), process);
  })
  .catch((err) => {
    if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('/dist/')) {
      console.error('error: mlp-digits is not built yet: run `npm run build` in the repository first');
      process.exit(1);
    }
    throw err;
  });
