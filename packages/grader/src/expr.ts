/**
 * Follow-through formulas: arithmetic over a student's earlier answers, e.g.
 * `{1a} * 4725 / 3.6e6`. A tiny recursive-descent parser and evaluator of our
 * own: numbers, `{id}` references, + − * / ^ (right-associative), unary minus and
 * parentheses. Nothing else (no names, no calls), and never eval/Function.
 *
 *   expr   := term (('+' | '-') term)*
 *   term   := unary (('*' | '/') unary)*
 *   unary  := '-' unary | power
 *   power  := atom ('^' unary)?
 *   atom   := number | '{' id '}' | '(' expr ')'
 */

export type Formula =
  | { type: 'num'; value: number }
  | { type: 'ref'; id: string }
  | { type: 'neg'; arg: Formula }
  | { type: 'bin'; op: '+' | '-' | '*' | '/' | '^'; left: Formula; right: Formula };

const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;
const REF = /^\{([A-Za-z0-9][A-Za-z0-9_.]*)\}/;

/** Parses `text`; throws an Error naming the position of the first thing it cannot read. */
export function parseFormula(text: string): Formula {
  let pos = 0;
  const skip = () => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const fail = (what: string): never => {
    throw new Error(`formula "${text}": ${what} at character ${pos + 1}`);
  };
  const peek = () => {
    skip();
    return text[pos];
  };

  const atom = (): Formula => {
    skip();
    const rest = text.slice(pos);
    const num = NUMBER.exec(rest);
    if (num) {
      pos += num[0].length;
      return { type: 'num', value: Number(num[0]) };
    }
    const ref = REF.exec(rest);
    if (ref) {
      pos += ref[0].length;
      return { type: 'ref', id: ref[1] };
    }
    if (rest[0] === '(') {
      pos++;
      const inner = expr();
      if (peek() !== ')') fail('expected ")"');
      pos++;
      return inner;
    }
    return fail(rest.length === 0 ? 'unexpected end' : `unexpected "${rest[0]}"`);
  };
  const power = (): Formula => {
    const base = atom();
    if (peek() === '^') {
      pos++;
      return { type: 'bin', op: '^', left: base, right: unary() };
    }
    return base;
  };
  const unary = (): Formula => {
    if (peek() === '-') {
      pos++;
      return { type: 'neg', arg: unary() };
    }
    return power();
  };
  const term = (): Formula => {
    let left = unary();
    for (let c = peek(); c === '*' || c === '/'; c = peek()) {
      pos++;
      left = { type: 'bin', op: c, left, right: unary() };
    }
    return left;
  };
  const expr = (): Formula => {
    let left = term();
    for (let c = peek(); c === '+' || c === '-'; c = peek()) {
      pos++;
      left = { type: 'bin', op: c, left, right: term() };
    }
    return left;
  };

  const tree = expr();
  if (peek() !== undefined) fail(`unexpected "${text[pos]}"`);
  return tree;
}

/** The answer ids a formula reads, in first-use order. */
export function formulaIds(f: Formula, into: string[] = []): string[] {
  if (f.type === 'ref' && !into.includes(f.id)) into.push(f.id);
  if (f.type === 'neg') formulaIds(f.arg, into);
  if (f.type === 'bin') {
    formulaIds(f.left, into);
    formulaIds(f.right, into);
  }
  return into;
}

/** Evaluates with `values[id]` for each `{id}`; a missing id throws. */
export function evaluateFormula(f: Formula, values: Readonly<Record<string, number>>): number {
  switch (f.type) {
    case 'num':
      return f.value;
    case 'ref': {
      if (!Object.hasOwn(values, f.id)) throw new Error(`no value for {${f.id}}`);
      return values[f.id];
    }
    case 'neg':
      return -evaluateFormula(f.arg, values);
    case 'bin': {
      const a = evaluateFormula(f.left, values);
      const b = evaluateFormula(f.right, values);
      if (f.op === '+') return a + b;
      if (f.op === '-') return a - b;
      if (f.op === '*') return a * b;
      if (f.op === '/') return a / b;
      return a ** b;
    }
  }
}

/** The formula written back with values substituted, for feedback ("51.23 * 4725 / 3.6e6"). */
export function formatFormula(text: string, values: Readonly<Record<string, number>>): string {
  return text.replace(/\{([A-Za-z0-9][A-Za-z0-9_.]*)\}/g, (whole, id: string) =>
    Object.hasOwn(values, id) ? String(values[id]) : whole,
  );
}
