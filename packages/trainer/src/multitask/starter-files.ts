/**
 * The CS224N minBERT starter's data and prediction files, read and written
 * unchanged.
 *
 * Data files are tab-separated with a header row, read as the starter reads them
 * (Python's csv.DictReader with delimiter '\t'): a field that starts with " is
 * quoted, "" inside it is one ", and it may hold tabs and newlines. Columns are
 * found by name, so extra columns (the starter's files start with pandas' unnamed
 * index column) are ignored; blank lines are skipped.
 *
 *   sentiment (SST)     id  sentence              sentiment     integer class (SST: 0..4)
 *   paraphrase (Quora)  id  sentence1  sentence2  is_duplicate  0 or 1 (read as int(float(x)), so "1.0" is 1)
 *   similarity (STS)    id  sentence1  sentence2  similarity    a number in 0..5
 *
 * Test splits ("*-test-student.csv") have no label column. As in the starter,
 * ids are trimmed and lower-cased; sentences are trimmed (the uncased tokenizer
 * lower-cases them). A bad row is an InputError naming the file, the line (of
 * the row's start) and the column, unless `onInvalid: 'skip'` (the starter's
 * Quora reader skips rows it cannot parse), which lists it in `skipped`.
 *
 * TaskPrediction files, written as the starter's multitask_classifier.py writes them:
 *
 *   id \t Predicted_Sentiment \n        (Predicted_Is_Paraphrase, Predicted_Similiarity)
 *   <id> , <value> \n                   one line per example
 *
 * (spaces around the tab and the comma, a space before each newline). The
 * similarity header keeps the starter's spelling "Similiarity".
 */
import { readFileSync } from 'node:fs';
import { formatError, InputError, writeFileAtomic } from '@course/models';

export const MULTITASK_TASKS = ['sentiment', 'paraphrase', 'similarity'] as const;
export type MultitaskTask = (typeof MULTITASK_TASKS)[number];

/** The label column of each task's data file. */
export const LABEL_COLUMNS: Record<MultitaskTask, string> = {
  sentiment: 'sentiment',
  paraphrase: 'is_duplicate',
  similarity: 'similarity',
};

/** The second header field of each task's prediction file, as the starter spells it. */
export const PREDICTION_HEADERS: Record<MultitaskTask, string> = {
  sentiment: 'Predicted_Sentiment',
  paraphrase: 'Predicted_Is_Paraphrase',
  similarity: 'Predicted_Similiarity',
};

export interface SentenceExample {
  id: string;
  sentence: string;
  /** The class; absent in a test split. */
  label?: number;
}

export interface PairExample {
  id: string;
  sentence1: string;
  sentence2: string;
  /** 0/1 (paraphrase) or 0..5 (similarity); absent in a test split. */
  label?: number;
}

export interface StarterReadOptions {
  /** true: the label column must be there; false: ignore it; default: labels iff the header has the column. */
  labelled?: boolean;
  /** 'error' (default): a bad row throws; 'skip': it is left out and listed in `skipped`. */
  onInvalid?: 'error' | 'skip';
}

export interface StarterReadResult<T> {
  examples: T[];
  /** Whether the examples carry labels. */
  labelled: boolean;
  skipped: { line: number; reason: string }[];
}

interface Row {
  /** 1-based line where the row starts. */
  line: number;
  fields: string[];
}

/** Rows of a tab-separated text, Python csv style (see above); the first row is the header. */
export function parseTsv(text: string, file: string): Row[] {
  const rows: Row[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        const col = fields.length + 1;
        i++;
        for (;;) {
          if (i >= text.length)
            throw formatError(file, `line ${start}, column ${col}`, 'an unclosed quote', 'a closing "');
          const ch = text[i];
          if (ch === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\n') line++;
          field += ch;
          i++;
        }
        // After the closing quote: a tab, the end of the line or the end of the text.
        if (i < text.length && text[i] !== '\t' && text[i] !== '\n' && text[i] !== '\r') {
          throw formatError(
            file,
            `line ${line}, column ${col}`,
            `${JSON.stringify(text[i])} after a closing quote`,
            'a tab or the end of the line',
          );
        }
      } else {
        while (i < text.length && text[i] !== '\t' && text[i] !== '\n' && text[i] !== '\r')
          field += text[i++];
      }
      fields.push(field);
      if (text[i] === '\t') {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    if (!(fields.length === 1 && fields[0] === '')) rows.push({ line: start, fields });
  }
  return rows;
}

interface Columns {
  header: string[];
  index: Record<string, number>;
}

function columns(rows: Row[], file: string, required: string[]): Columns {
  if (rows.length === 0)
    throw formatError(file, 'line 1', 'an empty file', `a header with ${required.join(', ')}`);
  const header = rows[0].fields.map((h) => h.trim());
  const index: Record<string, number> = {};
  header.forEach((h, k) => {
    if (!(h in index)) index[h] = k;
  });
  for (const name of required) {
    if (!(name in index)) {
      throw formatError(file, 'line 1 (header)', `columns [${header.join(', ')}]`, `a column named ${name}`);
    }
  }
  return { header, index };
}

/** Reads a starter data file: header checks, then one parse per row with row errors located. */
function readRows<T>(
  file: string,
  text: string,
  textColumns: string[],
  labelColumn: string,
  parseLabel: (raw: string) => number | string,
  build: (id: string, texts: string[], label: number | undefined) => T,
  opts: StarterReadOptions,
): StarterReadResult<T> {
  const rows = parseTsv(text, file);
  const cols = columns(rows, file, ['id', ...textColumns, ...(opts.labelled ? [labelColumn] : [])]);
  const labelled = opts.labelled ?? labelColumn in cols.index;
  const result: StarterReadResult<T> = { examples: [], labelled, skipped: [] };
  for (const row of rows.slice(1)) {
    try {
      if (row.fields.length !== cols.header.length) {
        throw formatError(
          file,
          `line ${row.line}`,
          `${row.fields.length} fields`,
          `${cols.header.length} (the header's)`,
        );
      }
      const cell = (name: string) => row.fields[cols.index[name]];
      const where = (name: string) => `line ${row.line}, column ${cols.index[name] + 1} (${name})`;
      const id = cell('id').trim().toLowerCase();
      if (id === '') throw formatError(file, where('id'), 'an empty id', 'an id');
      const texts = textColumns.map((name) => {
        const value = cell(name).trim();
        if (value === '') throw formatError(file, where(name), 'an empty sentence', 'text');
        return value;
      });
      let label: number | undefined;
      if (labelled) {
        const parsed = parseLabel(cell(labelColumn).trim());
        if (typeof parsed === 'string')
          throw formatError(file, where(labelColumn), JSON.stringify(cell(labelColumn)), parsed);
        label = parsed;
      }
      result.examples.push(build(id, texts, label));
    } catch (err) {
      if (opts.onInvalid !== 'skip' || !(err instanceof InputError)) throw err;
      result.skipped.push({ line: row.line, reason: err.message });
    }
  }
  return result;
}

/** int(x): an optionally signed integer, else the expectation as a string. */
function parseClass(raw: string): number | string {
  return /^[+-]?\d+$/.test(raw) ? Number(raw) : 'an integer class';
}

/** int(float(x)) restricted to 0 and 1. */
function parseDuplicate(raw: string): number | string {
  const x = raw === '' ? Number.NaN : Number(raw);
  return Number.isFinite(x) && (Math.trunc(x) === 0 || Math.trunc(x) === 1) ? Math.trunc(x) : '0 or 1';
}

/** float(x) in 0..5. */
function parseSimilarity(raw: string): number | string {
  const x = raw === '' ? Number.NaN : Number(raw);
  return Number.isFinite(x) && x >= 0 && x <= 5 ? x : 'a number in 0..5';
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(
      `${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}, expected a readable file`,
    );
  }
}

/** An SST-style file: id, sentence, sentiment (the label column absent in test splits). */
export function parseSentimentFile(
  text: string,
  file: string,
  opts: StarterReadOptions = {},
): StarterReadResult<SentenceExample> {
  return readRows(
    file,
    text,
    ['sentence'],
    'sentiment',
    parseClass,
    (id, [sentence], label) => (label === undefined ? { id, sentence } : { id, sentence, label }),
    opts,
  );
}

/** A Quora-style file: id, sentence1, sentence2, is_duplicate. */
export function parseParaphraseFile(
  text: string,
  file: string,
  opts: StarterReadOptions = {},
): StarterReadResult<PairExample> {
  return readRows(file, text, ['sentence1', 'sentence2'], 'is_duplicate', parseDuplicate, pair, opts);
}

/** An STS-style file: id, sentence1, sentence2, similarity. */
export function parseSimilarityFile(
  text: string,
  file: string,
  opts: StarterReadOptions = {},
): StarterReadResult<PairExample> {
  return readRows(file, text, ['sentence1', 'sentence2'], 'similarity', parseSimilarity, pair, opts);
}

function pair(id: string, [sentence1, sentence2]: string[], label: number | undefined): PairExample {
  return label === undefined ? { id, sentence1, sentence2 } : { id, sentence1, sentence2, label };
}

export function readSentimentFile(
  file: string,
  opts: StarterReadOptions = {},
): StarterReadResult<SentenceExample> {
  return parseSentimentFile(readText(file), file, opts);
}

export function readParaphraseFile(
  file: string,
  opts: StarterReadOptions = {},
): StarterReadResult<PairExample> {
  return parseParaphraseFile(readText(file), file, opts);
}

export function readSimilarityFile(
  file: string,
  opts: StarterReadOptions = {},
): StarterReadResult<PairExample> {
  return parseSimilarityFile(readText(file), file, opts);
}

/** A field as Python's csv writer (QUOTE_MINIMAL) writes it: quoted when it holds a tab, quote, CR or LF. */
export function tsvField(value: string): string {
  return /[\t"\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * A data file in the starter's layout (without pandas' index column): the
 * header, then one row per example; `labelled: false` leaves the label column
 * out, as in a test split.
 */
export function formatDataFile(
  task: MultitaskTask,
  examples: readonly (SentenceExample | PairExample)[],
  labelled = true,
): string {
  const textColumns = task === 'sentiment' ? ['sentence'] : ['sentence1', 'sentence2'];
  const header = ['id', ...textColumns, ...(labelled ? [LABEL_COLUMNS[task]] : [])];
  const lines = [header.join('\t')];
  for (const ex of examples) {
    const texts = 'sentence' in ex ? [ex.sentence] : [ex.sentence1, ex.sentence2];
    if (texts.length !== textColumns.length) {
      throw new InputError(
        `formatDataFile: ${task}: example ${ex.id} has ${texts.length} sentences, expected ${textColumns.length}`,
      );
    }
    if (labelled && ex.label === undefined) {
      throw new InputError(
        `formatDataFile: ${task}: example ${ex.id} has no label, expected one (or labelled = false)`,
      );
    }
    const fields = [ex.id, ...texts, ...(labelled ? [String(ex.label)] : [])];
    lines.push(fields.map(tsvField).join('\t'));
  }
  return `${lines.join('\n')}\n`;
}

export function writeDataFile(
  file: string,
  task: MultitaskTask,
  examples: readonly (SentenceExample | PairExample)[],
  labelled = true,
): void {
  writeFileAtomic(file, formatDataFile(task, examples, labelled));
}

export interface TaskPrediction {
  id: string;
  /** A class (sentiment), 0/1 (paraphrase) or a score (similarity). */
  value: number;
}

/** The starter's prediction file text for a task. */
export function formatPredictions(task: MultitaskTask, predictions: readonly TaskPrediction[]): string {
  let out = `id \t ${PREDICTION_HEADERS[task]} \n`;
  for (const p of predictions) {
    if (!Number.isFinite(p.value)) {
      throw new InputError(
        `formatPredictions: ${task}: id ${p.id}: found ${p.value}, expected a finite number`,
      );
    }
    if (task !== 'similarity' && !Number.isInteger(p.value)) {
      throw new InputError(
        `formatPredictions: ${task}: id ${p.id}: found ${p.value}, expected an integer class`,
      );
    }
    out += `${p.id} , ${p.value} \n`;
  }
  return out;
}

export function writePredictions(
  file: string,
  task: MultitaskTask,
  predictions: readonly TaskPrediction[],
): void {
  writeFileAtomic(file, formatPredictions(task, predictions));
}

/** A prediction file read back: the task from its header, then `id , value` lines. */
export function parsePredictions(
  text: string,
  file: string,
): { task: MultitaskTask; predictions: TaskPrediction[] } {
  const lines = text.split(/\r?\n/);
  const headerName = /^id\s*\t\s*(\S+)\s*$/.exec(lines[0] ?? '')?.[1];
  const task = MULTITASK_TASKS.find((t) => PREDICTION_HEADERS[t] === headerName);
  if (!task) {
    const want = MULTITASK_TASKS.map((t) => `"id \\t ${PREDICTION_HEADERS[t]}"`).join(' or ');
    throw formatError(file, 'line 1 (header)', JSON.stringify(lines[0] ?? ''), want);
  }
  const predictions: TaskPrediction[] = [];
  lines.slice(1).forEach((raw, k) => {
    if (raw.trim() === '') return;
    const m = /^\s*([^,]+?)\s*,\s*(\S+)\s*$/.exec(raw);
    const value = m ? Number(m[2]) : Number.NaN;
    if (!m || !Number.isFinite(value))
      throw formatError(file, `line ${k + 2}`, JSON.stringify(raw), '"id , number"');
    predictions.push({ id: m[1], value });
  });
  return { task, predictions };
}

export function readPredictions(file: string): { task: MultitaskTask; predictions: TaskPrediction[] } {
  return parsePredictions(readText(file), file);
}
