import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunkText } from '../../main/messages/index.ts';

const words = (s: string) => s.split(/\s+/).filter(Boolean);

test('short text is one message; empty text is none', () => {
  assert.deepEqual(chunkText('hello there', { limit: 4000 }), ['hello there']);
  assert.deepEqual(chunkText('   \n\n ', { limit: 4000 }), []);
});

test('splits at word boundaries, never inside a word, keeps order', () => {
  const text = 'The quick brown fox jumps over the lazy dog and keeps running far away';
  const chunks = chunkText(text, { limit: 20 });
  for (const c of chunks) assert.ok(c.length <= 20, c);
  assert.deepEqual(words(chunks.join(' ')), words(text), 'all words, in order, none split');
  for (const c of chunks) for (const w of words(c)) assert.ok(words(text).includes(w), `"${w}" is a whole word`);
});

test('prefers paragraph, then line breaks, over spaces', () => {
  const text = 'First paragraph is here.\n\nSecond one follows and is longer than that.';
  assert.deepEqual(chunkText(text, { limit: 50 }), ['First paragraph is here.', 'Second one follows and is longer than that.']);
  const lines = 'line one here\nline two here\nline three';
  assert.deepEqual(chunkText(lines, { limit: 30 }), ['line one here\nline two here', 'line three']);
});

test('a word longer than the limit is cut, but never inside a surrogate pair or an emoji', () => {
  const long = 'x'.repeat(25);
  assert.deepEqual(chunkText(long, { limit: 10 }), ['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  const emoji = '😀'.repeat(9); // each is 2 UTF-16 units
  const parts = chunkText(emoji, { limit: 5 });
  assert.equal(parts.join(''), emoji);
  for (const p of parts) {
    assert.ok(p.length <= 5);
    assert.ok(!/[\uD800-\uDBFF]$/.test(p) && !/^[\uDC00-\uDFFF]/.test(p), 'no lone surrogate');
  }
  const family = '👨‍👩‍👧‍👦'; // one grapheme, 11 units
  const fam = chunkText(family.repeat(3), { limit: 12 });
  assert.deepEqual(fam, [family, family, family]);
  const flags = '🇩🇪🇫🇷🇯🇵';
  assert.deepEqual(chunkText(flags, { limit: 4 }), ['🇩🇪', '🇫🇷', '🇯🇵']);
});

test('a code block that fits is moved whole into the next message', () => {
  const code = '```\nconst a = 1;\nconst b = 2;\n```';
  const text = `Here is the code you asked for:\n${code}\nHope it helps.`;
  const chunks = chunkText(text, { limit: 45 });
  assert.ok(chunks.includes(code), JSON.stringify(chunks));
  assert.equal(chunks[0], 'Here is the code you asked for:');
});

test('a code block longer than the limit is split at lines, each part closed and reopened', () => {
  const lines = Array.from({ length: 30 }, (_, i) => `console.log(${i});`);
  const text = 'Intro.\n```\n' + lines.join('\n') + '\n```\nDone.';
  const chunks = chunkText(text, { limit: 80 });
  for (const c of chunks) assert.ok(c.length <= 80, `${c.length}: ${c}`);
  const codeChunks = chunks.filter((c) => c.includes('console.log'));
  for (const c of codeChunks) {
    assert.ok(c.startsWith('```'), c);
    assert.equal((c.match(/```/g) ?? []).length % 2, 0, `balanced fences: ${c}`);
  }
  const allLines = codeChunks.join('\n').match(/console\.log\(\d+\);/g);
  assert.deepEqual(allLines, lines, 'every line once, in order, none cut');
});

test('newline mode sends each paragraph on its own, code blocks with blank lines stay whole', () => {
  const text = 'One.\n\nTwo.\n\n```\nx = 1\n\ny = 2\n```\n\nThree.';
  assert.deepEqual(chunkText(text, { limit: 4000, mode: 'newline' }), ['One.', 'Two.', '```\nx = 1\n\ny = 2\n```', 'Three.']);
  assert.deepEqual(chunkText(text, { limit: 4000, mode: 'length' }), [text]);
  const long = 'word '.repeat(50).trim();
  const split = chunkText(`short\n\n${long}`, { limit: 60, mode: 'newline' });
  assert.equal(split[0], 'short');
  assert.ok(split.length > 2 && split.every((c) => c.length <= 60));
});

test('a 100,000-character reply: every chunk within the limit, nothing lost, in order', () => {
  const sentence = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit 😀. ';
  let text = '';
  for (let i = 0; text.length < 100_000; i++) text += (i % 7 === 6 ? '\n\n' : '') + `${i}: ${sentence}`;
  text = text.slice(0, 100_000);
  const chunks = chunkText(text, { limit: 4000 });
  assert.ok(chunks.length >= 25 && chunks.length <= 30, String(chunks.length));
  for (const c of chunks) assert.ok(c.length <= 4000);
  assert.deepEqual(words(chunks.join(' ')), words(text));
  const numbers = chunks.join(' ').match(/\d+:/g)!.map((n) => parseInt(n, 10));
  assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), 'order kept');
  // And a single 100,000-character "word".
  const blob = chunkText('a'.repeat(100_000), { limit: 4000 });
  assert.equal(blob.length, 25);
  assert.equal(blob.join(''), 'a'.repeat(100_000));
});
