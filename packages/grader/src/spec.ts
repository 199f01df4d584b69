/**
 * Assignment specs: the TypeScript shape of `spec.json`, and `loadSpec`, which
 * checks a spec against SPEC_SCHEMA (ajv, draft 2020-12) and then against the
 * rules a schema cannot express. Every problem becomes one readable line:
 * `FILE: /json/pointer: what was expected`, and the whole list is one InputError (exit 2).
 */
import { readFileSync } from 'node:fs';
import { InputError } from '@course/models';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { COMPUTED } from './computed.js';
import { formulaIds, parseFormula } from './expr.js';
import { SPEC_SCHEMA } from './spec-schema.js';

export type Visibility = 'visible' | 'hidden' | 'after_due_date' | 'after_published';

export type Tolerance =
  | { rule: 'relabs'; rtol?: number; atol?: number }
  | { rule: 'sigfig' | 'decdig'; digits?: number };

export interface Normalize {
  trim?: boolean;
  caseSensitive?: boolean;
  whitespace?: 'keep' | 'collapse' | 'remove';
  unicode?: 'none' | 'NFC' | 'NFKC';
}

export interface Option {
  id: string;
  text: string;
}

export interface Units {
  /** The unit the reference is in, e.g. "h". */
  reference: string;
  /** Other accepted units and their factor to the reference unit, e.g. {"min": 0.016666666666666666}. */
  accept?: Record<string, number>;
  /** The answer must name its unit. */
  required?: boolean;
}

export type LogMetric =
  | 'min_train_loss'
  | 'min_val_loss'
  | 'slowest_probe_ms'
  | 'hellaswag_final'
  | 'hellaswag_max'
  | 'max_lr'
  | 'num_parameters'
  | 'projected_cost_usd'
  | 'ledger_spend_usd'
  | 'sweep_plan_usd'
  | 'sweep_plan_trials'
  | 'sweep_trials'
  | 'sweep_spend_usd'
  | 'sweep_best_lr'
  | 'sweep_best_val_loss';

export type Check =
  | { kind: 'exact'; answer: string | string[]; normalize?: Normalize }
  | { kind: 'integer'; answer: number }
  | { kind: 'numeric'; answer: number; tolerance: Tolerance; units?: Units }
  | { kind: 'choice'; options: Option[]; answer: string }
  | { kind: 'multiple'; options: Option[]; answer: string[]; credit?: 'pc' | 'cov' | 'edc' | 'all' }
  | { kind: 'set'; answer: (string | number)[]; normalize?: Normalize; credit?: 'all' | 'partial' }
  | { kind: 'computed'; fn: string; args?: Record<string, unknown>; compare: 'integer' | Tolerance }
  | { kind: 'follow-through'; formula: string; tolerance: Tolerance; units?: Units }
  | { kind: 'log'; metric: LogMetric; run: string; tolerance: Tolerance; min?: number }
  | { kind: 'manual'; rubric: { points: number; text: string }[] };

export type CheckKind = Check['kind'];

export interface Question {
  id: string;
  title: string;
  points: number;
  visibility?: Visibility;
  feedback?: { right?: string; wrong?: string; missing?: string };
  check: Check;
}

export interface LatePolicy {
  /** ISO 8601 date-time with a zone, e.g. "2026-03-01T23:59:00-05:00". */
  deadline: string;
  graceMinutes?: number;
  /** Fraction of the total lost per started day after deadline + grace. */
  penaltyPerDay: number;
  /** Later than this many days: 0 points. */
  maxDaysLate?: number;
}

export interface Spec {
  $schema?: string;
  id: string;
  title: string;
  late?: LatePolicy;
  hiddenScoring?: 'withhold-total' | 'zero-until-published';
  limits?: { answersBytes?: number; artifactBytes?: number };
  /** Gradescope leaderboard columns, e.g. {"name": "Val loss", "question": "1g", "order": "asc"}. */
  leaderboard?: { name: string; question: string; order?: 'asc' | 'desc' }[];
  questions: Question[];
}

export const DEFAULT_LIMITS = { answersBytes: 1 << 20, artifactBytes: 64 << 20 };

// RFC 3339 date-time (ajv-formats is not installed; this is its `date-time` with a required zone).
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

let validator: ValidateFunction | undefined;
function validateSchema(data: unknown): ErrorObject[] {
  if (!validator) {
    const ajv = new Ajv2020({
      allErrors: true,
      discriminator: true,
      strict: true,
      strictRequired: false,
      allowUnionTypes: true,
    });
    ajv.addFormat('date-time', {
      type: 'string',
      validate: (s: string) => DATE_TIME.test(s) && !Number.isNaN(Date.parse(s)),
    });
    validator = ajv.compile(SPEC_SCHEMA);
  }
  return validator(data) ? [] : [...(validator.errors ?? [])];
}

/** One ajv error as `pointer: expected …` (the pointer of the offending value, `/` for the root). */
export function describeAjvError(e: ErrorObject): string {
  let where = e.instancePath || '/';
  let what: string;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      what = `missing property "${p.missingProperty}"`;
      break;
    case 'additionalProperties':
      where = `${e.instancePath}/${p.additionalProperty}`;
      what = 'unknown property (not in the schema)';
      break;
    case 'enum':
      what = `expected one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'uniqueItems':
      what = `expected each item once (items ${p.j} and ${p.i} are the same)`;
      break;
    case 'const':
      what = `expected ${JSON.stringify(p.allowedValue)}`;
      break;
    case 'discriminator':
      what =
        p.error === 'mapping'
          ? `"${p.tag}" is not a known kind (${p.tagValue === undefined ? 'missing' : JSON.stringify(p.tagValue)})`
          : `"${p.tag}" must be a string`;
      if (p.error === 'mapping') where = `${e.instancePath}/${p.tag}`;
      break;
    default:
      // ajv says "must be number", "must match format …": keep its words after "expected".
      what = (e.message ?? e.keyword).replace(/^must be /, 'expected ').replace(/^must /, 'expected to ');
  }
  return `${where}: ${what}`;
}

/** The semantic rules, as `pointer: message` lines. */
function semanticErrors(spec: Spec): string[] {
  const errors: string[] = [];
  const seen = new Map<string, number>();
  spec.questions.forEach((q, i) => {
    const at = `/questions/${i}`;
    if (seen.has(q.id)) errors.push(`${at}/id: "${q.id}" is already the id of /questions/${seen.get(q.id)}`);
    else seen.set(q.id, i);
    const c = q.check;
    if (c.kind === 'choice' || c.kind === 'multiple') {
      const ids = new Set(c.options.map((o) => o.id));
      if (ids.size !== c.options.length) errors.push(`${at}/check/options: option ids must be unique`);
      const keys = Array.isArray(c.answer) ? c.answer : [c.answer];
      for (const k of keys) if (!ids.has(k)) errors.push(`${at}/check/answer: "${k}" is not an option id`);
    }
    if (c.kind === 'computed' && !Object.hasOwn(COMPUTED, c.fn)) {
      errors.push(
        `${at}/check/fn: "${c.fn}" is not a computed reference (known: ${Object.keys(COMPUTED).join(', ')})`,
      );
    }
    if (c.kind === 'computed' && Object.hasOwn(COMPUTED, c.fn)) {
      try {
        COMPUTED[c.fn].compute(c.args ?? {});
      } catch (err) {
        errors.push(`${at}/check/args: ${(err as Error).message}`);
      }
    }
    if (c.kind === 'follow-through') {
      try {
        const ids = formulaIds(parseFormula(c.formula));
        for (const id of ids) {
          const j = seen.get(id);
          if (j === undefined || j === i)
            errors.push(`${at}/check/formula: {${id}} is not an earlier question's id`);
        }
      } catch (err) {
        errors.push(`${at}/check/formula: ${(err as Error).message}`);
      }
    }
    if (c.kind === 'manual') {
      const total = c.rubric.reduce((s, r) => s + r.points, 0);
      if (total > q.points + 1e-9)
        errors.push(`${at}/check/rubric: rubric points add up to ${total}, more than points ${q.points}`);
    }
    if (c.kind === 'log' && !isSafeRelativePath(c.run)) {
      errors.push(`${at}/check/run: "${c.run}" must be a relative path inside the submission`);
    }
  });
  (spec.leaderboard ?? []).forEach((column, i) => {
    if (!seen.has(column.question))
      errors.push(`/leaderboard/${i}/question: "${column.question}" is not a question id`);
  });
  return errors;
}

/** A relative path that stays inside its folder: no absolute path, no `..`, no backslashes, no NUL. */
export function isSafeRelativePath(p: string): boolean {
  if (p === '' || p.includes('\0') || p.includes('\\') || p.startsWith('/') || /^[A-Za-z]:/.test(p))
    return false;
  return p.split('/').every((part) => part !== '..');
}

/** Checks a parsed spec; `file` names it in messages. Throws one InputError listing every problem. */
export function validateSpec(data: unknown, file: string): Spec {
  const schemaErrors = validateSchema(data);
  const lines = schemaErrors.map(describeAjvError);
  if (lines.length === 0) lines.push(...semanticErrors(data as Spec));
  if (lines.length > 0) {
    const unique = [...new Set(lines)];
    throw new InputError(
      `${file}: not a valid assignment spec:\n${unique.map((l) => `  ${file}: ${l}`).join('\n')}`,
    );
  }
  return data as Spec;
}

/** Reads and checks `spec.json`. */
export function loadSpec(file: string): Spec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(
      `${file}: cannot read the spec (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  let data: unknown;
  try {
    // Windows editors (Notepad) start a saved UTF-8 file with a byte-order mark; JSON.parse refuses it.
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new InputError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return validateSpec(data, file);
}
