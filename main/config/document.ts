// openclaw.json as a concrete syntax tree: values plus where every key sits (line, column,
// character offsets) and every duplicate key, which a plain JSON5.parse hides (the last one
// silently wins, the seed guide's gotcha). @croct/json5-parser keeps comments and layout.
import {
  JsonArrayNode,
  JsonObjectNode,
  JsonParser,
  JsonParseError,
  JsonPropertyNode,
  JsonValueNode,
  reservedIdentifiers,
  type SourceLocation,
} from '@croct/json5-parser';
import JSON5 from 'json5';
import type { KeyPath } from './key-path.ts';

// JSON5 allows reserved words as unquoted keys, and `default: { ... }` (the default account id)
// is common in openclaw.json; the CST parser refuses them. Its reserved list is read only by
// that check, so emptying it makes the parser accept what JSON5 accepts.
reservedIdentifiers.splice(0, reservedIdentifiers.length);

export interface Position {
  line: number;
  column: number;
}

/** Where one key (or array element) of the effective document lives. */
export interface PathLocation {
  /** The key token, or the element itself for array entries. */
  key: Position;
  value: Position;
}

export interface DuplicateKey {
  /** Path of the object holding the repeated key, plus the key. */
  path: KeyPath;
  /** Every occurrence in file order; the last one is the value in force. */
  occurrences: { line: number; column: number; valueText: string }[];
}

export interface SyntaxProblem {
  line: number;
  column: number;
  message: string;
  hint: string;
}

export type ParsedDocument =
  | { ok: true; value: unknown; root: JsonValueNode; index: PathIndex; duplicates: DuplicateKey[]; text: string }
  /** The CST parser refused text that JSON5 itself accepts (a rare JSON5 corner): values but no positions, no edits. */
  | { ok: true; value: unknown; root: undefined; index: PathIndex; duplicates: DuplicateKey[]; text: string; cstError: string }
  | { ok: false; syntax: SyntaxProblem; text: string };

export function pathKey(path: readonly (string | number)[]): string {
  return JSON.stringify(path);
}

/** Positions of every path in force (for duplicate keys, the last occurrence). */
export class PathIndex {
  private readonly map = new Map<string, PathLocation>();
  set(path: KeyPath, loc: PathLocation): void { this.map.set(pathKey(path), loc); }
  get(path: readonly (string | number)[]): PathLocation | undefined { return this.map.get(pathKey(path)); }
  /** The path itself, else its nearest ancestor that exists in the file. */
  nearest(path: readonly (string | number)[]): PathLocation | undefined {
    for (let n = path.length; n > 0; n--) {
      const hit = this.map.get(pathKey(path.slice(0, n)));
      if (hit) return hit;
    }
    return undefined;
  }
}

export function parseDocument(text: string): ParsedDocument {
  // A BOM is legal at the start of a file but not JSON5; editors on Windows add one.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let root: JsonValueNode;
  try {
    root = JsonParser.parse(body);
  } catch (err) {
    try {
      const value: unknown = JSON5.parse(body);
      return { ok: true, value, root: undefined, index: new PathIndex(), duplicates: [], text, cstError: String((err as Error).message) };
    } catch {
      return { ok: false, syntax: describeSyntaxError(body, err), text };
    }
  }
  const index = new PathIndex();
  const duplicates: DuplicateKey[] = [];
  walk(root, [], index, duplicates, body);
  return { ok: true, value: root.toJSON(), root, index, duplicates, text };
}

function walk(node: JsonValueNode, path: KeyPath, index: PathIndex, duplicates: DuplicateKey[], text: string, map = new CodePointMap(text)): void {
  if (node instanceof JsonObjectNode) {
    const byKey = new Map<string, JsonPropertyNode[]>();
    for (const prop of node.properties) {
      const key = String(prop.key.toJSON());
      const list = byKey.get(key);
      if (list) list.push(prop); else byKey.set(key, [prop]);
    }
    for (const [key, props] of byKey) {
      const winner = props[props.length - 1]!;
      const childPath = [...path, key];
      if (props.length > 1) {
        duplicates.push({
          path: childPath,
          occurrences: props.map((p) => ({
            line: p.key.location.start.line,
            column: p.key.location.start.column,
            valueText: abbreviate(text.slice(map.toUtf16(p.value.location.start.index), map.toUtf16(p.value.location.end.index))),
          })),
        });
      }
      index.set(childPath, { key: start(winner.key.location), value: start(winner.value.location) });
      // Only the winning copy of a duplicate is in force, so only its children are indexed.
      walk(winner.value, childPath, index, duplicates, text, map);
    }
  } else if (node instanceof JsonArrayNode) {
    node.elements.forEach((element, i) => {
      const childPath = [...path, i];
      index.set(childPath, { key: start(element.location), value: start(element.location) });
      walk(element, childPath, index, duplicates, text, map);
    });
  }
}

function start(loc: SourceLocation): Position {
  return { line: loc.start.line, column: loc.start.column };
}

function abbreviate(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 40 ? `${one.slice(0, 37)}...` : one;
}

/**
 * The CST counts offsets in code points; JavaScript strings index UTF-16 units. An emoji in
 * ackReaction would otherwise shift every edit after it by one character.
 */
export class CodePointMap {
  private readonly offsets: number[] | undefined;
  constructor(text: string) {
    if (!/[\uD800-\uDFFF]/.test(text)) { this.offsets = undefined; return; }
    const offsets: number[] = [];
    let u = 0;
    for (const ch of text) { offsets.push(u); u += ch.length; }
    offsets.push(u);
    this.offsets = offsets;
  }
  toUtf16(codePointIndex: number): number {
    return this.offsets ? (this.offsets[codePointIndex] ?? this.offsets[this.offsets.length - 1]!) : codePointIndex;
  }
}

/** Plain words for the parser's token-level messages, and what to do about each. */
function describeSyntaxError(text: string, err: unknown): SyntaxProblem {
  const raw = err instanceof Error ? err.message : String(err);
  const loc = err instanceof JsonParseError ? err.location.start : undefined;
  const line = loc?.line ?? 1;
  const column = loc?.column ?? 1;
  let message = raw.replace(/ at \d+:\d+\.?$/, '');
  let hint = 'Fix the file by hand at that spot (or restore a backup), then run "clawline config check" again.';
  const got = /but got (\w+)/.exec(raw)?.[1];
  const token = /Unexpected token '([^']*)'/.exec(raw)?.[1];
  if (text.trim() === '') {
    message = 'the file is empty';
    hint = 'Write {} for an empty configuration (or delete the file: defaults apply when it is missing).';
  } else if (got === 'EOF' || token === '') {
    message = 'the file ends too early: a { or [ is never closed';
    hint = 'Check that every { has a matching } and every [ a matching ].';
  } else if (/^Expected COMMA/.test(raw)) {
    message = 'a comma is missing before this point';
    hint = 'Separate entries with commas, e.g. dmPolicy: "pairing", allowFrom: [...]';
  } else if (/^Expected COLON/.test(raw)) {
    message = 'a ":" is missing after the key';
    hint = 'Write key: value, e.g. dmPolicy: "pairing"';
  } else if (got === 'COMMA' || token === ',') {
    message = 'unexpected extra comma';
    hint = 'Remove the doubled comma.';
  } else if (token === '"' || token === "'") {
    message = 'a string is not closed (its closing quote is missing)';
    hint = 'Add the closing quote on the same line.';
  } else if (token === '/') {
    message = 'a comment is not closed or is malformed';
    hint = 'Close block comments with */ ; line comments start with //.';
  } else if (token !== undefined && /^[A-Za-z]/.test(token)) {
    message = `"${token}" is not a value`;
    hint = 'Put text in quotes ("like this"); yes/no are written true and false.';
  } else if (/^Reserved identifier/.test(raw)) {
    hint = 'Quote the key, e.g. "default": ...';
  } else if (/^Invalid string/.test(raw)) {
    message = 'a string contains an invalid escape sequence';
    hint = 'Write a backslash as \\\\ inside strings.';
  } else if (token !== undefined) {
    message = `unexpected "${token}"`;
  }
  return { line, column, message, hint };
}
