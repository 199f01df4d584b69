import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  formatDataFile,
  formatPredictions,
  parseParaphraseFile,
  parsePredictions,
  parseSentimentFile,
  parseSimilarityFile,
  parseTsv,
  readPredictions,
  readSentimentFile,
  writeDataFile,
  writePredictions,
} from '../src/multitask/starter-files.js';

describe('starter data files', () => {
  test('SST with pandas’ unnamed index column, a quoted field holding quotes and a tab', () => {
    const text =
      '\tid\tsentence\tsentiment\n0\tAbC1 \t"He said ""hi""\tthen"\t3\n1\tdef2\t It  works .\t 0\n';
    const { examples, labelled, skipped } = parseSentimentFile(text, 'sst.csv');
    expect(labelled).toBe(true);
    expect(skipped).toEqual([]);
    expect(examples).toEqual([
      { id: 'abc1', sentence: 'He said "hi"\tthen', label: 3 },
      { id: 'def2', sentence: 'It  works .', label: 0 },
    ]);
  });

  test('a test split has no label column, so no labels', () => {
    const { examples, labelled } = parseSentimentFile('id\tsentence\nx1\tGood .\n', 'sst-test-student.csv');
    expect(labelled).toBe(false);
    expect(examples).toEqual([{ id: 'x1', sentence: 'Good .' }]);
    expect(() => parseSentimentFile('id\tsentence\nx1\tGood .\n', 'sst-dev.csv', { labelled: true })).toThrow(
      'sst-dev.csv: line 1 (header): found columns [id, sentence], expected a column named sentiment',
    );
  });

  test('bad rows name the file, line and column', () => {
    const sst = 'id\tsentence\tsentiment\na\tfine\t1\nb\tbad\tx\n';
    expect(() => parseSentimentFile(sst, 'sst.csv')).toThrow(
      'sst.csv: line 3, column 3 (sentiment): found "x", expected an integer class',
    );
    const quora = 'id\tsentence1\tsentence2\tis_duplicate\nq1\ta\tb\t1.0\nq2\ta\tb\t2\n';
    expect(() => parseParaphraseFile(quora, 'quora.csv')).toThrow(
      'quora.csv: line 3, column 4 (is_duplicate): found "2", expected 0 or 1',
    );
    const sts = 'id\tsentence1\tsentence2\tsimilarity\ns1\ta\tb\t5.5\n';
    expect(() => parseSimilarityFile(sts, 'sts.csv')).toThrow(
      'sts.csv: line 2, column 4 (similarity): found "5.5", expected a number in 0..5',
    );
    expect(() => parseSimilarityFile('id\tsentence1\tsentence2\tsimilarity\ns1\ta\t4\n', 'sts.csv')).toThrow(
      "sts.csv: line 2: found 3 fields, expected 4 (the header's)",
    );
    expect(() =>
      parseSimilarityFile('id\tsentence1\tsentence2\tsimilarity\ns1\t\tb\t4\n', 'sts.csv'),
    ).toThrow('sts.csv: line 2, column 2 (sentence1): found an empty sentence, expected text');
    expect(() => parseTsv('id\tsentence\na\t"open\n', 'x.csv')).toThrow(
      'x.csv: line 2, column 2: found an unclosed quote',
    );
  });

  test("onInvalid 'skip' leaves bad rows out (the starter's Quora reader) and lists them", () => {
    const quora = 'id\tsentence1\tsentence2\tis_duplicate\nq1\ta\tb\t1.0\nq2\ta\tb\t\nq3\tc\td\t0\n';
    const { examples, skipped } = parseParaphraseFile(quora, 'quora.csv', { onInvalid: 'skip' });
    expect(examples).toEqual([
      { id: 'q1', sentence1: 'a', sentence2: 'b', label: 1 },
      { id: 'q3', sentence1: 'c', sentence2: 'd', label: 0 },
    ]);
    expect(skipped).toEqual([
      { line: 3, reason: 'quora.csv: line 3, column 4 (is_duplicate): found "", expected 0 or 1' },
    ]);
  });

  test('CRLF, a byte-order mark, blank lines and a quoted newline keep line numbers right', () => {
    const text =
      '\ufeffid\tsentence1\tsentence2\tsimilarity\r\n\r\ns1\t"two\nlines"\tb\t4.2\r\ns2\ta\tb\tnone\r\n';
    expect(() => parseSimilarityFile(text, 'sts.csv')).toThrow('sts.csv: line 5, column 4 (similarity)');
    const ok = parseSimilarityFile(text.replace('none', '0'), 'sts.csv');
    expect(ok.examples[0]).toEqual({ id: 's1', sentence1: 'two\nlines', sentence2: 'b', label: 4.2 });
  });

  test('files written in the starter layout read back the same, test splits without labels', () => {
    const dir = mkdtempSync(join(tmpdir(), 'multitask-'));
    const examples = [
      { id: 'a', sentence: 'It is "great".', label: 1 },
      { id: 'b', sentence: 'Tab\there.', label: 0 },
    ];
    writeDataFile(join(dir, 'sst-dev.csv'), 'sentiment', examples);
    expect(readFileSync(join(dir, 'sst-dev.csv'), 'utf8')).toBe(
      'id\tsentence\tsentiment\na\t"It is ""great""."\t1\nb\t"Tab\there."\t0\n',
    );
    expect(readSentimentFile(join(dir, 'sst-dev.csv')).examples).toEqual(examples);
    const pairs = [{ id: 'p', sentence1: 'x y', sentence2: 'y x', label: 2.5 }];
    expect(formatDataFile('similarity', pairs, false)).toBe('id\tsentence1\tsentence2\np\tx y\ty x\n');
    expect(parseSimilarityFile(formatDataFile('similarity', pairs), 's').examples).toEqual(pairs);
    expect(() => readSentimentFile(join(dir, 'missing.csv'))).toThrow(
      /missing\.csv: ENOENT, expected a readable file/,
    );
  });
});

describe('starter prediction files', () => {
  test('the exact header and line layout of multitask_classifier.py', () => {
    expect(formatPredictions('sentiment', [{ id: 'a1', value: 3 }])).toBe(
      'id \t Predicted_Sentiment \na1 , 3 \n',
    );
    expect(formatPredictions('paraphrase', [{ id: 'b', value: 0 }])).toBe(
      'id \t Predicted_Is_Paraphrase \nb , 0 \n',
    );
    expect(formatPredictions('similarity', [{ id: 'c', value: 3.25 }])).toBe(
      'id \t Predicted_Similiarity \nc , 3.25 \n',
    );
    expect(() => formatPredictions('paraphrase', [{ id: 'b', value: 0.5 }])).toThrow(
      /id b: found 0.5, expected an integer class/,
    );
  });

  test('read back: the task from the header, then the values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'multitask-'));
    const file = join(dir, 'sts-dev-output.csv');
    writePredictions(file, 'similarity', [
      { id: 'x', value: 1.5 },
      { id: 'y', value: 0 },
    ]);
    expect(readPredictions(file)).toEqual({
      task: 'similarity',
      predictions: [
        { id: 'x', value: 1.5 },
        { id: 'y', value: 0 },
      ],
    });
    expect(() => parsePredictions('id \t Predicted_Foo \n', 'p.csv')).toThrow(
      /p\.csv: line 1 \(header\): found "id \\t Predicted_Foo "/,
    );
    expect(() => parsePredictions('id \t Predicted_Sentiment \na , b \n', 'p.csv')).toThrow(
      'p.csv: line 2: found "a , b ", expected "id , number"',
    );
  });
});
