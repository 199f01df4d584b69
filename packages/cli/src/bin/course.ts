#!/usr/bin/env node
import { runCourse } from '../run.js';

process.exitCode = await runCourse(process.argv.slice(2));
