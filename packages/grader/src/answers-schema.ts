/**
 * The JSON Schema a spec implies for answers.json: one property per question,
 * typed by its checker. Each answer is validated on its own, so one wrong type
 * costs that question alone, with a message naming it.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { describeAjvError, type Question, type Spec } from './spec.js';

const NUMBER_WITH_UNIT =
  '^\\s*[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?\\s*[^\\s\\d.+-][^\\s]*\\s*$';

/** The schema of one question's answer. */
export function answerSchema(q: Question): Record<string, unknown> {
  const c = q.check;
  const number = { type: 'number' };
  const withUnits = (units: unknown) =>
    units
      ? {
          anyOf: [
            number,
            { type: 'string', pattern: NUMBER_WITH_UNIT },
            {
              type: 'object',
              properties: { value: number, unit: { type: 'string' } },
              required: ['value'],
              additionalProperties: false,
            },
          ],
        }
      : number;
  switch (c.kind) {
    case 'exact':
    case 'manual':
      return { type: 'string', maxLength: 100_000 };
    case 'integer':
      return { type: 'integer' };
    case 'numeric':
    case 'follow-through':
      return withUnits(c.units);
    case 'computed':
      return c.compare === 'integer' ? { type: 'integer' } : number;
    case 'choice':
      return { enum: c.options.map((o) => o.id) };
    case 'multiple':
      return { type: 'array', items: { enum: c.options.map((o) => o.id) }, uniqueItems: true };
    case 'set':
      return { type: 'array', items: { type: ['string', 'number'] }, maxItems: 10_000 };
    case 'log':
      return {
        anyOf: [
          number,
          {
            type: 'object',
            properties: { value: number, run: { type: 'string', minLength: 1 } },
            required: ['value'],
            additionalProperties: false,
          },
        ],
      };
  }
}

/** The whole answers.json schema (documentation for students; grading checks answer by answer). */
export function answersSchema(spec: Spec): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `answers.json for ${spec.id}`,
    type: 'object',
    properties: Object.fromEntries(spec.questions.map((q) => [q.id, answerSchema(q)])),
  };
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
const compiled = new WeakMap<Question, ValidateFunction>();

/** Problems with one answer's type, as "/1a: expected number" lines; empty when it fits. */
export function answerTypeErrors(q: Question, value: unknown): string[] {
  let validate = compiled.get(q);
  if (!validate) {
    validate = ajv.compile(answerSchema(q));
    compiled.set(q, validate);
  }
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  // anyOf failures list every branch; the branch errors say more than the summary line.
  let useful = errors.filter((e) => e.keyword !== 'anyOf');
  // {"value": 3.5, "run": 7}: the error inside the object says more than "expected number".
  const deeper = useful.filter((e) => e.instancePath !== '');
  if (deeper.length > 0) useful = deeper;
  return [
    ...new Set(
      (useful.length > 0 ? useful : errors).map((e) =>
        // The only pattern is NUMBER_WITH_UNIT: say so instead of printing the regex.
        e.keyword === 'pattern'
          ? `/${q.id}${e.instancePath}: expected a number with a unit, e.g. "3.5 h"`
          : describeAjvError({ ...e, instancePath: `/${q.id}${e.instancePath}` }),
      ),
    ),
  ];
}
