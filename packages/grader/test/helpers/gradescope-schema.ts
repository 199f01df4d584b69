/**
 * Gradescope's results.json as a JSON Schema, written from the format's
 * documentation (autograder_samples, Jan 2025): every field optional except that a
 * top-level score is required unless every test has a score; statuses "passed" |
 * "failed"; visibility hidden | after_due_date | after_published | visible; text
 * formats text | html | simple_format | md | ansi. Unknown fields are rejected so
 * a typo in our output fails the test.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';

const visibility = { enum: ['hidden', 'after_due_date', 'after_published', 'visible'] };
const textFormat = { enum: ['text', 'html', 'simple_format', 'md', 'ansi'] };

const test = {
  type: 'object',
  properties: {
    score: { type: 'number' },
    max_score: { type: 'number' },
    status: { enum: ['passed', 'failed'] },
    name: { type: 'string' },
    name_format: textFormat,
    number: { type: 'string' },
    output: { type: 'string' },
    output_format: textFormat,
    tags: { type: 'array', items: { type: 'string' } },
    visibility,
    extra_data: { type: 'object' },
  },
  additionalProperties: false,
};

export const GRADESCOPE_RESULTS_SCHEMA = {
  type: 'object',
  properties: {
    score: { type: 'number' },
    execution_time: { type: 'number' },
    output: { type: 'string' },
    output_format: textFormat,
    test_output_format: textFormat,
    test_name_format: textFormat,
    visibility,
    stdout_visibility: visibility,
    extra_data: { type: 'object' },
    tests: { type: 'array', items: test },
    leaderboard: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          value: { type: ['number', 'string'] },
          order: { enum: ['asc', 'desc'] },
        },
        required: ['name', 'value'],
        additionalProperties: false,
      },
    },
  },
  anyOf: [
    { required: ['score'] },
    { required: ['tests'], properties: { tests: { items: { required: ['score'] } } } },
  ],
  additionalProperties: false,
};

const validate = new Ajv2020({ allErrors: true, allowUnionTypes: true }).compile(GRADESCOPE_RESULTS_SCHEMA);

/** Errors of results.json against Gradescope's format ([] when valid). */
export function gradescopeErrors(results: unknown): string[] {
  return validate(results) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}
