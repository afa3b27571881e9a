// Key paths as people type them: `channels.whatsapp.dmPolicy`, `allowFrom[0]`,
// `channels.whatsapp.groups["120363@g.us"].requireMention`. Hand-written: the grammar is
// five rules and no library parses exactly this (lodash's toPath is lenient with typos).

export type KeyPath = (string | number)[];

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

export class KeyPathError extends Error {}

/** Parses `a.b["c.d"][0]`; throws KeyPathError with the position of the mistake. */
export function parseKeyPath(text: string): KeyPath {
  const path: KeyPath = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new KeyPathError(`${what} at character ${i + 1} of "${text}". Write keys as a.b.c, quote odd keys as a["x.y"], index arrays as a[0].`);
  };
  if (text.trim() === '') fail('empty key path');
  let expectSegment = true;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '[') {
      const quote = text[i + 1];
      let segment: string | number;
      let end: number;
      if (quote === '"' || quote === "'") {
        const close = findQuoted(text, i + 1);
        if (close < 0) fail('unclosed quote');
        segment = text.slice(i + 2, close).replace(/\\(.)/g, '$1');
        end = close + 1;
      } else {
        end = text.indexOf(']', i);
        if (end < 0) fail('unclosed [');
        const inner = text.slice(i + 1, end);
        if (!/^\d+$/.test(inner)) fail(`"[${inner}]" is neither an array index nor a quoted key`);
        segment = Number(inner);
      }
      if (text[end] !== ']') fail('expected ]');
      path.push(segment);
      i = end + 1;
      expectSegment = false;
      continue;
    }
    if (ch === '.') {
      if (expectSegment) fail('empty key');
      i++;
      expectSegment = true;
      continue;
    }
    if (!expectSegment) fail(`expected "." or "[" before "${ch}"`);
    let j = i;
    while (j < text.length && text[j] !== '.' && text[j] !== '[') j++;
    const word = text.slice(i, j);
    if (!word) fail('empty key');
    path.push(word);
    i = j;
    expectSegment = false;
  }
  if (expectSegment) fail('the path ends with "."');
  return path;
}

function findQuoted(text: string, start: number): number {
  const quote = text[start];
  for (let k = start + 1; k < text.length; k++) {
    if (text[k] === '\\') { k++; continue; }
    if (text[k] === quote) return k;
  }
  return -1;
}

/** The reverse of parseKeyPath: `channels.whatsapp.groups["120363@g.us"]`, `allowFrom[1]`. */
export function formatKeyPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (IDENTIFIER.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
