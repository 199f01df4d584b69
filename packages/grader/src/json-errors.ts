/**
 * Where a JSON file breaks, as an editor shows it: "line 3, column 8: Expected ':' after
 * property name". V8 gives an offset for most errors (Node 20: "… in JSON at position 27"),
 * none for some ("Unexpected token 'x', "…" is not valid JSON"), so the offset comes from a
 * scan of our own: the first character at which no JSON value can continue. The scan is
 * iterative (a hostile file nested a million deep cannot overflow the stack) and takes
 * NaN, Infinity and -Infinity as values, like parseLenientJson.
 */

// A JSON string holds no raw U+0000–U+001F (a tab must be written \t).
const STRING_SOURCE = String.raw`"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"`;
const STRING = new RegExp(STRING_SOURCE, 'y');
const SCALAR = new RegExp(
  String.raw`${STRING_SOURCE}|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|NaN|-?Infinity`,
  'y',
);

/** Offset of the first syntax error in `text`, or undefined when it is one JSON value. */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const stack: string[] = []; // the closing bracket each open container expects
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r'))
      i++;
  };
  const match = (re: RegExp): boolean => {
    re.lastIndex = i;
    if (!re.test(text)) return false;
    i = re.lastIndex;
    return true;
  };
  // `"key" :` inside an object
  const key = (): boolean => {
    ws();
    if (!match(STRING)) return false;
    ws();
    if (text[i] !== ':') return false;
    i++;
    return true;
  };
  for (;;) {
    // a value starts here
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      i++;
      ws();
      const close = c === '{' ? '}' : ']';
      if (text[i] === close) i++;
      else {
        stack.push(close);
        if (c === '{' && !key()) return i;
        continue;
      }
    } else if (!match(SCALAR)) return i;
    // after a value: close containers, or a comma and the next value
    for (;;) {
      ws();
      const close = stack.at(-1);
      if (close === undefined) return i < text.length ? i : undefined;
      if (text[i] === close) {
        i++;
        stack.pop();
        continue;
      }
      if (text[i] !== ',') return i;
      i++;
      if (close === '}' && !key()) return i;
      break;
    }
  }
}

/** 1-based line and column of `offset` in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

/** "line 3, column 8: Expected ':' after property name" for a JSON.parse error of `text`. */
export function describeJsonError(text: string, err: unknown): string {
  const message = (err as Error).message ?? String(err);
  const offset = jsonErrorOffset(text);
  if (offset === undefined) return message; // JSON.parse failed where the scan did not: its words alone
  const { line, column } = lineColumn(text, offset);
  const reason =
    offset >= text.length
      ? 'unexpected end of the file'
      : message
          .replace(/ in JSON at position \d+.*$/, '')
          .replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '');
  return `line ${line}, column ${column}: ${reason}`;
}
