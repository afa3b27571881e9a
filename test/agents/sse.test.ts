// The SSE framing parser: events split anywhere across network chunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseDataParser } from '../../main/agents/sse.ts';

function parse(chunks: string[]): string[] {
  const p = new SseDataParser();
  return [...chunks.flatMap((c) => p.push(c)), ...p.end()];
}

test('data payloads come out whole, however the stream is cut', () => {
  const wire = 'data: {"a":1}\n\n: keep-alive comment\n\ndata: {"b":2}\r\n\r\nevent: ping\ndata:[DONE]\r\r';
  const expected = ['{"a":1}', '{"b":2}', '[DONE]'];
  assert.deepEqual(parse([wire]), expected);
  for (let size = 1; size <= 9; size++) {
    const pieces: string[] = [];
    for (let i = 0; i < wire.length; i += size) pieces.push(wire.slice(i, i + size));
    assert.deepEqual(parse(pieces), expected, `pieces of ${size}`);
  }
});

test('multi-line data is joined with newlines; a last event without a blank line still counts', () => {
  assert.deepEqual(parse(['data: one\ndata: two\n\ndata: tail']), ['one\ntwo', 'tail']);
  assert.deepEqual(parse(['id: 7\nretry: 100\n\n']), [], 'events without data are ignored');
  assert.deepEqual(parse(['data\n\n']), [''], 'a bare "data" field is an empty payload');
});
