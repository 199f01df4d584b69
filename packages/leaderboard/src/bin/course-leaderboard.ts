#!/usr/bin/env node
import { runLeaderboardCli } from '../cli.js';

process.exitCode = await runLeaderboardCli(process.argv.slice(2));
