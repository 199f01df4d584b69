/**
 * The official HellaSwag jsonl (hellaswag_val.jsonl: one JSON object per line
 * with `ctx`, `endings` (4 strings) and `label` (0..3)) -> llm.c's eval file,
 * rendered as llm.c's dev/data/hellaswag.py renders it:
 *   context = encode(ctx), ending_i = encode(" " + endings[i]) (note the leading space).
 * Other fields (activity_label, ctx_a, ctx_b, ind, split, …) are ignored.
 */
import { readFileSync } from 'node:fs';
import {
  encodeOrdinary,
  formatError,
  type HellaSwagExample,
  InputError,
  writeHellaSwag,
} from '@course/models';

function parseLine(file: string, lineNumber: number, line: string): HellaSwagExample {
  const where = `${file}: line ${lineNumber}`;
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch (err) {
    throw new InputError(
      `${where}: not valid JSON (${(err as Error).message}), expected one JSON object per line`,
    );
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw formatError(where, 'line', JSON.stringify(record).slice(0, 40), 'a JSON object');
  }
  const { ctx, endings, label } = record as Record<string, unknown>;
  if (typeof ctx !== 'string') throw formatError(where, 'ctx', JSON.stringify(ctx), 'a string');
  if (!Array.isArray(endings) || endings.length !== 4 || !endings.every((e) => typeof e === 'string')) {
    throw formatError(where, 'endings', JSON.stringify(endings)?.slice(0, 80), 'an array of 4 strings');
  }
  if (!(typeof label === 'number' && Number.isInteger(label) && label >= 0 && label <= 3)) {
    throw formatError(where, 'label', JSON.stringify(label), 'an integer 0..3');
  }
  return {
    label,
    context: encodeOrdinary(ctx),
    endings: endings.map((ending: string) => encodeOrdinary(` ${ending}`)),
  };
}

/** Converts `inputPath` (HellaSwag jsonl) to an llm.c HellaSwag eval file at `outPath`; returns the example count. */
export function convertHellaSwagJsonl(inputPath: string, outPath: string): { examples: number } {
  let text: string;
  try {
    text = readFileSync(inputPath, 'utf8');
  } catch {
    throw new InputError(`${inputPath}: cannot read file, expected a HellaSwag .jsonl file`);
  }
  const examples: HellaSwagExample[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() !== '') examples.push(parseLine(inputPath, i + 1, line));
  });
  if (examples.length === 0)
    throw new InputError(`${inputPath}: found no examples, expected one JSON object per line`);
  writeHellaSwag(outPath, examples);
  return { examples: examples.length };
}
