#!/usr/bin/env node
import { runCourseGrade } from '../cli.js';

process.exitCode = await runCourseGrade(process.argv.slice(2));
