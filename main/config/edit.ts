// Edits to openclaw.json that keep the user's comments, key order and layout. The CST tells us
// where each key and value sits; we then splice only those characters. Hand-written on top of
// the CST rather than the library's set()/toString(): its re-printing re-lays-out the whole
// document and prints new nested values compactly, while splicing leaves every other byte alone.
import {
  JsonArrayNode,
  JsonIdentifierNode,
  JsonObjectNode,
  JsonParser,
  JsonPropertyNode,
  JsonTokenNode,
  JsonTokenType,
  type JsonNode,
  type JsonValueNode,
} from '@croct/json5-parser';
import { CodePointMap } from './document.ts';
import { formatKeyPath, type KeyPath } from './key-path.ts';

/** The edit cannot be made (a list index past the end, a file whose top level is not an object...). */
export class EditError extends Error {}

interface Style {
  indentUnit: string;
  eol: string;
  quote: '"' | "'";
  unquotedKeys: boolean;
  trailingComma: boolean;
}

type Container = JsonObjectNode | JsonArrayNode;

interface Doc {
  bom: string;
  text: string;
  root: JsonObjectNode;
  map: CodePointMap;
  style: Style;
}

/** A fresh file: JSON5 as OpenClaw's docs write it (unquoted keys, two spaces, trailing commas). */
const NEW_FILE = '{\n}\n';
const IDENT_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function openDoc(text: string): Doc {
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  let body = text.slice(bom.length);
  if (body.trim() === '') body = NEW_FILE;
  let root: JsonValueNode;
  try {
    root = JsonParser.parse(body);
  } catch (err) {
    throw new EditError(`the file cannot be edited safely: ${(err as Error).message}`);
  }
  if (!(root instanceof JsonObjectNode)) throw new EditError('the top level of the file is not an object { ... }, so keys cannot be set in it');
  const map = new CodePointMap(body);
  return { bom, text: body, root, map, style: detectStyle(body, root, map) };
}

function span(doc: Doc, node: JsonNode): [number, number] {
  return [doc.map.toUtf16(node.location.start.index), doc.map.toUtf16(node.location.end.index)];
}

function entriesOf(c: Container): JsonNode[] {
  return c instanceof JsonObjectNode ? c.properties : [...c.elements];
}

/** Learns the file's habits so inserted text looks like the user's own. */
function detectStyle(text: string, root: JsonObjectNode, map: CodePointMap): Style {
  const style: Style = { indentUnit: '  ', eol: text.includes('\r\n') ? '\r\n' : '\n', quote: '"', unquotedKeys: true, trailingComma: true };
  let identifierKeys = 0;
  let quotedKeys = 0;
  let single = 0;
  let double = 0;
  let multiLine = 0;
  let withTrailing = 0;
  const visit = (node: JsonNode): void => {
    if (node instanceof JsonObjectNode || node instanceof JsonArrayNode) {
      const entries = entriesOf(node);
      if (entries.length > 0 && node.location.start.line !== node.location.end.line) {
        multiLine++;
        if (commaAfter(node, entries[entries.length - 1]!)) withTrailing++;
      }
      for (const e of entries) visit(e);
    } else if (node instanceof JsonPropertyNode) {
      if (node.key instanceof JsonIdentifierNode) identifierKeys++;
      else quotedKeys++;
      visit(node.value);
    } else {
      const token = (node as { token?: JsonTokenNode }).token;
      if (token?.type === JsonTokenType.STRING) (token.value.startsWith("'") ? single++ : double++);
    }
  };
  visit(root);
  if (identifierKeys === 0 && quotedKeys > 0) style.unquotedKeys = false;
  if (single > double) style.quote = "'";
  if (multiLine > 0) style.trailingComma = withTrailing > 0;
  const first = root.properties[0];
  if (first) {
    const at = map.toUtf16(first.location.start.index);
    const indent = lineIndent(text, at);
    if (indent && onlyWhitespaceBefore(text, at)) style.indentUnit = indent;
  }
  return style;
}

/** The comma token right after `entry` inside `container` (skipping spaces and comments), if any. */
function commaAfter(container: Container, entry: JsonNode): JsonTokenNode | undefined {
  const i = container.children.indexOf(entry);
  for (let k = i + 1; k < container.children.length; k++) {
    const child = container.children[k];
    if (!(child instanceof JsonTokenNode)) return undefined;
    if (child.type === JsonTokenType.COMMA) return child;
    if (!isTrivia(child)) return undefined;
  }
  return undefined;
}

function commaBefore(container: Container, entry: JsonNode): JsonTokenNode | undefined {
  const i = container.children.indexOf(entry);
  for (let k = i - 1; k >= 0; k--) {
    const child = container.children[k];
    if (!(child instanceof JsonTokenNode)) return undefined;
    if (child.type === JsonTokenType.COMMA) return child;
    if (!isTrivia(child)) return undefined;
  }
  return undefined;
}

function isTrivia(token: JsonTokenNode): boolean {
  return token.type === JsonTokenType.WHITESPACE || token.type === JsonTokenType.NEWLINE
    || token.type === JsonTokenType.LINE_COMMENT || token.type === JsonTokenType.BLOCK_COMMENT;
}

function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

function lineIndent(text: string, pos: number): string {
  return /^[ \t]*/.exec(text.slice(lineStart(text, pos)))![0];
}

function onlyWhitespaceBefore(text: string, pos: number): boolean {
  return text.slice(lineStart(text, pos), pos).trim() === '';
}

/** From `pos`, skips spaces and a same-line comment; returns the newline's index if the line ends there. */
function lineEndAfter(text: string, pos: number): number | undefined {
  const m = /^[ \t]*(?:\/\/[^\r\n]*|\/\*(?:(?!\*\/)[^\r\n])*\*\/[ \t]*)?(?=\r?\n|$)/.exec(text.slice(pos));
  return m ? pos + m[0].length : undefined;
}

function splice(doc: Doc, start: number, end: number, insert: string): string {
  return doc.text.slice(0, start) + insert + doc.text.slice(end);
}

function quote(s: string, style: Style): string {
  const json = JSON.stringify(s).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  // Double quotes inside single-quoted strings are valid JSON5 but trip the CST reader: use "..." then.
  if (style.quote === '"' || s.includes('"')) return json;
  return `'${json.slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

function formatKey(key: string, style: Style): string {
  return style.unquotedKeys && IDENT_KEY.test(key) ? key : quote(key, style);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON5 text for a value; multi-line objects follow the file's indentation unless `inline`. */
function serialize(value: unknown, indent: string, style: Style, inline: boolean): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN';
  if (typeof value === 'string') return quote(value, style);
  const inner = indent + style.indentUnit;
  const { eol } = style;
  const tail = style.trailingComma ? ',' : '';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const flat = value.map((v) => serialize(v, indent, style, true));
    const oneLine = `[${flat.join(', ')}]`;
    if (inline || (value.every((v) => !isPlainObject(v) && !Array.isArray(v)) && oneLine.length <= 72)) return oneLine;
    return `[${eol}${value.map((v) => inner + serialize(v, inner, style, false)).join(`,${eol}`)}${tail}${eol}${indent}]`;
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    if (inline) return `{ ${entries.map(([k, v]) => `${formatKey(k, style)}: ${serialize(v, indent, style, true)}`).join(', ')} }`;
    return `{${eol}${entries.map(([k, v]) => `${inner}${formatKey(k, style)}: ${serialize(v, inner, style, false)}`).join(`,${eol}`)}${tail}${eol}${indent}}`;
  }
  throw new EditError(`cannot store a value of type ${typeof value} in the config`);
}

/** Keys that change how JavaScript reads an object: never written, wherever they come from. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function assertSafeKeys(path: KeyPath): void {
  const bad = path.find((seg) => typeof seg === 'string' && FORBIDDEN_KEYS.has(seg));
  if (bad !== undefined) throw new EditError(`${formatKeyPath(path)}: "${bad}" cannot be a config key (it would change how programs read the file); nothing was written`);
}

function assertJson(value: unknown, where: KeyPath): void {
  assertSafeKeys(where);
  if (value === undefined) throw new EditError(`${formatKeyPath(where)}: no value given (use unset to remove a key)`);
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return;
  if (Array.isArray(value)) { value.forEach((v, i) => assertJson(v, [...where, i])); return; }
  if (isPlainObject(value)) { for (const [k, v] of Object.entries(value)) if (v !== undefined) assertJson(v, [...where, k]); return; }
  throw new EditError(`${formatKeyPath(where)}: a ${typeof value} cannot be stored in the config`);
}

function isSingleLine(node: JsonNode): boolean {
  return node.location.start.line === node.location.end.line;
}

function lastProperty(obj: JsonObjectNode, key: string): JsonPropertyNode | undefined {
  const props = obj.properties.filter((p) => String(p.key.toJSON()) === key);
  return props[props.length - 1];
}

function arrayIndex(seg: string | number): number | undefined {
  if (typeof seg === 'number') return seg;
  return /^\d+$/.test(seg) ? Number(seg) : undefined;
}

/** Builds the value for the missing part of a path: set a.b.c on {} -> { b: { c: v } }. */
function nest(rest: KeyPath, value: unknown, done: KeyPath): unknown {
  if (rest.length === 0) return value;
  const [seg, ...more] = rest as [string | number, ...KeyPath];
  if (typeof seg === 'number') {
    if (seg !== 0) throw new EditError(`${formatKeyPath([...done, seg])}: the list does not exist yet, so only index 0 can be set`);
    return [nest(more, value, [...done, seg])];
  }
  return { [seg]: nest(more, value, [...done, seg]) };
}

type Located =
  | { kind: 'found'; node: JsonValueNode; container: Container; depth: number }
  | { kind: 'missing'; container: Container; depth: number }
  | { kind: 'blocked'; node: JsonValueNode; container: Container; depth: number };

/** Walks `path` following the copy of each key that is in force (the last one). */
function locate(root: JsonObjectNode, path: KeyPath): Located {
  let container: Container = root;
  for (let depth = 0; depth < path.length; depth++) {
    const seg = path[depth]!;
    let node: JsonValueNode | undefined;
    if (container instanceof JsonObjectNode) {
      node = lastProperty(container, String(seg))?.value;
    } else {
      const i = arrayIndex(seg);
      if (i === undefined) throw new EditError(`${formatKeyPath(path.slice(0, depth + 1))}: ${formatKeyPath(path.slice(0, depth))} is a list; use a number index like [0]`);
      node = container.elements[i];
      if (!node && i > container.elements.length) {
        throw new EditError(`${formatKeyPath(path.slice(0, depth + 1))}: index ${i} is past the end of the list (it has ${container.elements.length} entries)`);
      }
    }
    if (!node) return { kind: 'missing', container, depth };
    if (depth === path.length - 1) return { kind: 'found', node, container, depth };
    const next = path[depth + 1]!;
    if (node instanceof JsonObjectNode) container = node;
    else if (node instanceof JsonArrayNode && arrayIndex(next) !== undefined) container = node;
    else return { kind: 'blocked', node, container, depth };
  }
  throw new EditError('empty key path');
}

function replaceValue(doc: Doc, node: JsonValueNode, container: Container, value: unknown): string {
  const [s, e] = span(doc, node);
  // A string replacing a string keeps the quotes the user chose for it.
  const oldQuote = (node as { token?: JsonTokenNode }).token?.type === JsonTokenType.STRING ? doc.text[s] : undefined;
  const style = typeof value === 'string' && (oldQuote === "'" || oldQuote === '"') ? { ...doc.style, quote: oldQuote as Style['quote'] } : doc.style;
  return splice(doc, s, e, serialize(value, lineIndent(doc.text, s), style, isSingleLine(container)));
}

/** Adds `key: value` (objects) or `value` (lists) at the end of a container, matching its layout. */
function insertEntry(doc: Doc, container: Container, key: string | undefined, value: unknown): string {
  const { text, style } = doc;
  const render = (indent: string, inline: boolean): string =>
    `${key === undefined ? '' : `${formatKey(key, style)}: `}${serialize(value, indent, style, inline)}`;
  const entries = entriesOf(container);
  const [cs, ce] = span(doc, container);
  if (entries.length > 0) {
    const last = entries[entries.length - 1]!;
    const [ls, le] = span(doc, last);
    const comma = commaAfter(container, last);
    const commaEnd = comma ? span(doc, comma)[1] : undefined;
    if (onlyWhitespaceBefore(text, ls)) {
      const indent = lineIndent(text, ls);
      const from = commaEnd ?? le;
      const at = lineEndAfter(text, from) ?? from;
      // New entries look like their neighbour: a one-line object next to one-line objects.
      const neighbour = last instanceof JsonPropertyNode ? last.value : last;
      const inlineText = render(indent, true);
      const sameKind = (neighbour instanceof JsonObjectNode && isPlainObject(value)) || (neighbour instanceof JsonArrayNode && Array.isArray(value));
      const inline = sameKind && isSingleLine(neighbour) && inlineText.length <= 80;
      const addition = `${style.eol}${indent}${inline ? inlineText : render(indent, false)}${comma ? ',' : ''}`;
      const withEntry = text.slice(0, at) + addition + text.slice(at);
      return comma ? withEntry : withEntry.slice(0, le) + ',' + withEntry.slice(le);
    }
    if (commaEnd !== undefined) return splice(doc, commaEnd, commaEnd, ` ${render('', true)},`);
    return splice(doc, le, le, `, ${render('', true)}`);
  }
  const interior = text.slice(cs + 1, ce - 1);
  const baseIndent = lineIndent(text, cs);
  const tail = style.trailingComma ? ',' : '';
  if (interior.includes('\n')) {
    const close = ce - 1;
    const closeLine = lineStart(text, close);
    if (text.slice(closeLine, close).trim() === '') {
      const indent = text.slice(closeLine, close) + style.indentUnit;
      return splice(doc, closeLine, closeLine, `${indent}${render(indent, false)}${tail}${style.eol}`);
    }
  }
  const parentInline = container !== doc.root && isSingleLine(container) && !onlyWhitespaceBefore(text, cs) && isInsideSingleLine(doc, container);
  if (parentInline) return splice(doc, cs + 1, ce - 1, ` ${render('', true)} `);
  const indent = baseIndent + style.indentUnit;
  return splice(doc, cs + 1, ce - 1, `${style.eol}${indent}${render(indent, false)}${tail}${style.eol}${baseIndent}`);
}

/** Is this container nested inside a structure written on one line (so a new entry stays inline)? */
function isInsideSingleLine(doc: Doc, node: Container): boolean {
  let found = false;
  const visit = (c: Container, parentSingle: boolean): void => {
    if (found) return;
    if (c === node) { found = parentSingle; return; }
    const single = isSingleLine(c);
    for (const e of entriesOf(c)) {
      const v = e instanceof JsonPropertyNode ? e.value : e;
      if (v instanceof JsonObjectNode || v instanceof JsonArrayNode) visit(v, single);
    }
  };
  visit(doc.root, false);
  return found;
}

function removeEntry(doc: Doc, container: Container, entry: JsonNode): string {
  const { text } = doc;
  const [s, e] = span(doc, entry);
  const comma = commaAfter(container, entry);
  const commaSpan = comma ? span(doc, comma) : undefined;
  const after = commaSpan ? commaSpan[1] : e;
  const lineEnd = lineEndAfter(text, after);
  if (onlyWhitespaceBefore(text, s) && lineEnd !== undefined) {
    // The entry has its own line(s): drop them whole, with its same-line comment.
    const from = lineStart(text, s);
    const to = text.startsWith('\r\n', lineEnd) ? lineEnd + 2 : text.startsWith('\n', lineEnd) ? lineEnd + 1 : lineEnd;
    let result = text.slice(0, from) + text.slice(to);
    const prev = !comma ? commaBefore(container, entry) : undefined;
    if (prev) {
      // The removed entry was last without a trailing comma: keep the list free of one too.
      const [ps, pe] = span(doc, prev);
      if (pe <= from) result = result.slice(0, ps) + result.slice(pe);
    }
    return result;
  }
  if (commaSpan) {
    const skip = /^[ \t]*/.exec(text.slice(commaSpan[1]))![0].length;
    return splice(doc, s, commaSpan[1] + skip, '');
  }
  const prev = commaBefore(container, entry);
  if (prev) return splice(doc, span(doc, prev)[0], e, '');
  const skip = /^[ \t]*/.exec(text.slice(e))![0].length;
  return splice(doc, s, e + skip, '');
}

/**
 * Returns `text` with `path` set to `value`. Objects are merged key by key so comments on the
 * keys that stay are kept; unchanged values keep their exact spelling.
 */
export function setValueInText(text: string, path: KeyPath, value: unknown): string {
  if (path.length === 0) throw new EditError('give a key path, e.g. channels.whatsapp.dmPolicy');
  assertJson(value, path);
  const doc = openDoc(text);
  const found = locate(doc.root, path);
  let body: string;
  if (found.kind === 'found') {
    if (isPlainObject(value) && found.node instanceof JsonObjectNode) {
      let t = text;
      const current = [...new Set(found.node.properties.map((p) => String(p.key.toJSON())))];
      for (const key of current) if (!(key in value) || value[key] === undefined) t = unsetValueInText(t, [...path, key]);
      for (const [key, v] of Object.entries(value)) if (v !== undefined) t = setValueInText(t, [...path, key], v);
      return t;
    }
    if (JSON.stringify(found.node.toJSON()) === JSON.stringify(value)) return text;
    if (Array.isArray(value) && found.node instanceof JsonArrayNode) {
      const merged = mergeArray(text, path, found.node.toJSON(), value);
      if (merged !== undefined) return merged;
    }
    body = replaceValue(doc, found.node, found.container, value);
  } else if (found.kind === 'blocked') {
    body = replaceValue(doc, found.node, found.container, nest(path.slice(found.depth + 1), value, path.slice(0, found.depth + 1)));
  } else {
    const seg = path[found.depth]!;
    const rest = nest(path.slice(found.depth + 1), value, path.slice(0, found.depth + 1));
    body = insertEntry(doc, found.container, found.container instanceof JsonObjectNode ? String(seg) : undefined, rest);
  }
  return doc.bom + body;
}

/**
 * Lists change by one entry at a time in the GUI (add a number, remove one, edit one): do those
 * entry by entry so comments next to the other entries stay. Undefined: rewrite the whole list.
 */
function mergeArray(text: string, path: KeyPath, before: unknown[], after: unknown[]): string | undefined {
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  let t = text;
  if (after.length >= before.length && before.every((v, i) => same(v, after[i]))) {
    for (let i = before.length; i < after.length; i++) t = setValueInText(t, [...path, i], after[i]);
    return t;
  }
  if (after.length === before.length) {
    for (let i = 0; i < after.length; i++) if (!same(before[i], after[i])) t = setValueInText(t, [...path, i], after[i]);
    return t;
  }
  if (after.length < before.length) {
    // Removal only if `after` is `before` with some entries taken out, in order.
    const keep: number[] = [];
    let j = 0;
    for (let i = 0; i < before.length && j < after.length; i++) if (same(before[i], after[j])) { keep.push(i); j++; }
    if (j !== after.length) return undefined;
    for (let i = before.length - 1; i >= 0; i--) if (!keep.includes(i)) t = unsetValueInText(t, [...path, i]);
    return t;
  }
  return undefined;
}

/** Returns `text` without `path` (every copy of a duplicated key); unchanged if it is not there. */
export function unsetValueInText(text: string, path: KeyPath): string {
  if (path.length === 0) throw new EditError('give a key path to remove, e.g. channels.whatsapp.ackReaction');
  let current = text;
  for (;;) {
    const doc = openDoc(current);
    if (current.slice(doc.bom.length).trim() === '') return text;
    const parentPath = path.slice(0, -1);
    let container: Container = doc.root;
    if (parentPath.length > 0) {
      const parent = locate(doc.root, parentPath);
      if (parent.kind !== 'found' || !(parent.node instanceof JsonObjectNode || parent.node instanceof JsonArrayNode)) return current;
      container = parent.node;
    }
    const seg = path[path.length - 1]!;
    let entry: JsonNode | undefined;
    if (container instanceof JsonObjectNode) {
      entry = container.properties.find((p) => String(p.key.toJSON()) === String(seg));
    } else {
      const i = arrayIndex(seg);
      entry = i === undefined ? undefined : container.elements[i];
    }
    if (!entry) return current;
    current = doc.bom + removeEntry(doc, container, entry);
    if (!(container instanceof JsonObjectNode)) return current;
  }
}
