import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MainLog, parseMainLog } from '../src/llmc/mainlog.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'mainlog-'));

describe('MainLog', () => {
  it("writes the fork's three line formats", () => {
    const dir = join(tempDir(), 'run'); // created by MainLog
    const log = new MainLog(dir, { resume: false });
    log.val(0, 10.98765);
    log.train(0, 10.98765, 1.2765957e-6, 12.3456, 1234.5);
    log.train(1, 9.5, 2.5531914e-6, 3.125, 12.625); // 3.125 and 12.625 are exact ties
    log.val(250, 4.00004);
    log.eval(250, 0.2859);
    expect(readFileSync(join(dir, 'main.log'), 'utf8')).toBe(
      [
        's:0 tel:10.9877',
        's:0 trl:10.9877 lr:0.000001 norm:12.35 time (ms):1234.50',
        // glibc rounds ties to even: 3.125 → 3.12, 12.625 → 12.62
        's:1 trl:9.5000 lr:0.000003 norm:3.12 time (ms):12.62',
        's:250 tel:4.0000',
        's:250 eval:0.2859',
        '',
      ].join('\n'),
    );
  });

  it('wipes main.log at start unless resuming, and every line is on disk at once', () => {
    const dir = tempDir();
    new MainLog(dir, { resume: false }).val(0, 5);
    const resumed = new MainLog(dir, { resume: true });
    resumed.val(1, 4);
    // no close or flush call: what a killed process leaves behind
    expect(readFileSync(resumed.path, 'utf8')).toBe('s:0 tel:5.0000\ns:1 tel:4.0000\n');
    new MainLog(dir, { resume: false });
    expect(readFileSync(resumed.path, 'utf8')).toBe('');
  });
});

describe('parseMainLog', () => {
  it("reads the fork's log", () => {
    const text = [
      's:0 tel:10.9912',
      's:0 trl:10.9950 lr:0.000001 norm:15.42 time (ms):812.33',
      's:1 trl:10.8001 lr:0.000003 norm:14.10 time (ms):640.00',
      's:2 tel:9.5000',
      's:2 eval:0.2512',
      '',
    ].join('\n');
    expect(parseMainLog(text)).toEqual({
      train: [
        { step: 0, loss: 10.995, lr: 0.000001, norm: 15.42, ms: 812.33 },
        { step: 1, loss: 10.8001, lr: 0.000003, norm: 14.1, ms: 640 },
      ],
      val: [
        { step: 0, loss: 10.9912 },
        { step: 2, loss: 9.5 },
      ],
      eval: [{ step: 2, acc: 0.2512 }],
      unrecognized: [],
    });
  });

  it("reads upstream llm.c's train line, which has no time", () => {
    const data = parseMainLog(
      's:0 tel:11.0086\ns:0 trl:11.0114 lr:0.000000 norm:15.90\ns:1 trl:10.6532 lr:0.000006 norm:9.71\n',
    );
    expect(data.train).toEqual([
      { step: 0, loss: 11.0114, lr: 0, norm: 15.9 },
      { step: 1, loss: 10.6532, lr: 0.000006, norm: 9.71 },
    ]);
    expect(data.train[0].ms).toBeUndefined();
    expect(data.val).toEqual([{ step: 0, loss: 11.0086 }]);
  });

  it('reads nan/inf as C prints them, tolerates CRLF, and reports other lines', () => {
    const data = parseMainLog('s:7 trl:-nan lr:0.000600 norm:inf time (ms):99.00\r\nhello\n\ns:8 tel:nan\n');
    expect(data.train).toHaveLength(1);
    expect(data.train[0].loss).toBeNaN();
    expect(data.train[0].norm).toBe(Infinity);
    expect(data.val[0].loss).toBeNaN();
    expect(data.unrecognized).toEqual([{ lineNumber: 2, text: 'hello' }]);
  });

  it('reads back what MainLog wrote', () => {
    const log = new MainLog(tempDir(), { resume: false });
    log.val(0, 3.25);
    log.train(0, 3.25, 6e-4, 0.5, 100.25);
    log.eval(1, 0.3);
    const data = parseMainLog(readFileSync(log.path, 'utf8'));
    expect(data.train).toEqual([{ step: 0, loss: 3.25, lr: 0.0006, norm: 0.5, ms: 100.25 }]);
    expect(data.val).toEqual([{ step: 0, loss: 3.25 }]);
    expect(data.eval).toEqual([{ step: 1, acc: 0.3 }]);
  });

  it("is readable by the course's vislog notebook logic (whitespace split, parts[5] is the time)", () => {
    const log = new MainLog(tempDir(), { resume: false });
    log.train(12, 6.5, 3e-4, 1.5, 1234.56);
    log.val(12, 6.75);
    const lines = readFileSync(log.path, 'utf8').trim().split('\n');
    // The notebook: parts = line.split(); step = int(parts[0].split(':')[1]);
    // stream, value = parts[1].split(':'); ms = float(parts[5].split(':')[1])
    const train = lines[0].split(/\s+/);
    expect(Number(train[0].split(':')[1])).toBe(12);
    expect(train[1].split(':')).toEqual(['trl', '6.5000']);
    expect(train[2]).toBe('lr:0.000300');
    expect(train[4]).toBe('time');
    expect(Number(train[5].split(':')[1])).toBe(1234.56);
    expect(lines[1].split(/\s+/)[1].split(':')).toEqual(['tel', '6.7500']);
  });
});
