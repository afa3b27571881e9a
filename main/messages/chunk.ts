// Splits a reply into WhatsApp messages of at most `limit` characters (UTF-16 units, what
// WhatsApp and OpenClaw count). Break preference: blank line, line break, space; a word, a
// surrogate pair or an emoji (grapheme cluster, via Intl.Segmenter) is cut only when a single
// one is longer than the limit. A ``` block is moved whole into the next message when it fits;
// one longer than the limit is split at line breaks and each part is closed and reopened so
// every message still renders as code.

export type ChunkMode = 'length' | 'newline';

const FENCE = '```';

interface Range {
  start: number;
  end: number;
}

function fenceRanges(s: string): Range[] {
  const ranges: Range[] = [];
  let i = s.indexOf(FENCE);
  while (i >= 0) {
    const close = s.indexOf(FENCE, i + FENCE.length);
    if (close < 0) {
      ranges.push({ start: i, end: s.length });
      break;
    }
    ranges.push({ start: i, end: close + FENCE.length });
    i = s.indexOf(FENCE, close + FENCE.length);
  }
  return ranges;
}

/** The fence range strictly containing `pos` (start < pos < end), if any. */
function fenceAt(ranges: Range[], pos: number): Range | undefined {
  // Binary search: ranges are sorted and disjoint.
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid]!;
    if (pos <= r.start) hi = mid - 1;
    else if (pos >= r.end) lo = mid + 1;
    else return r;
  }
  return undefined;
}

let segmenter: Intl.Segmenter | undefined;
/** The last grapheme boundary in (pos, max], or undefined when the first cluster is longer. */
function lastGraphemeBoundary(s: string, pos: number, max: number): number | undefined {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  // Segment a little past `max` so the cluster straddling it is seen whole.
  let best: number | undefined;
  for (const seg of segmenter.segment(s.slice(pos, max + 64))) {
    const end = pos + seg.index + seg.segment.length;
    if (end > max) break;
    best = end;
  }
  return best;
}

/** Cut inside one over-long cluster, never between the halves of a surrogate pair. */
function codePointCut(s: string, pos: number, max: number): number {
  let cut = Math.max(pos + 1, max);
  const c = s.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff && cut - 1 > pos) cut -= 1;
  return cut;
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\u00a0';

function chunkByLength(s: string, limit: number): string[] {
  const out: string[] = [];
  const fences = fenceRanges(s);
  let pos = 0;
  const n = s.length;
  while (pos < n) {
    const openFence = fenceAt(fences, pos);
    const prefix = openFence ? FENCE : '';
    const budget = limit - prefix.length;
    if (budget < 1) {
      // A limit too small for fences: plain hard cuts.
      const cut = lastGraphemeBoundary(s, pos, pos + limit) ?? codePointCut(s, pos, pos + limit);
      out.push(s.slice(pos, cut));
      pos = cut;
      continue;
    }
    if (n - pos <= budget) {
      out.push(prefix + s.slice(pos));
      break;
    }
    const windowEnd = pos + budget;
    const straddling = fenceAt(fences, windowEnd);

    // 1. A code block starts inside this window and does not end in it: cut before it.
    if (straddling && straddling.start > pos && s.slice(pos, straddling.start).trim()) {
      // (Any block open at `pos` closes before `straddling` starts, inside this slice.)
      out.push(prefix + s.slice(pos, straddling.start).trimEnd());
      pos = straddling.start;
      continue;
    }

    // 2. Inside a code block longer than the window: split at a line break and close/reopen.
    if (straddling) {
      const max = windowEnd - FENCE.length;
      let cut = -1;
      if (max > pos) {
        const nl = s.lastIndexOf('\n', max - 1);
        if (nl > pos) cut = nl;
        else {
          for (let i = max - 1; i > pos; i--) if (isSpace(s[i])) { cut = i; break; }
        }
      }
      if (cut > pos) {
        out.push(prefix + s.slice(pos, cut) + FENCE);
        pos = cut + 1; // the break character itself is replaced by the fence
      } else {
        const hard = max > pos ? lastGraphemeBoundary(s, pos, max) ?? codePointCut(s, pos, max) : codePointCut(s, pos, pos + 1);
        out.push(prefix + s.slice(pos, hard) + FENCE);
        pos = hard;
      }
      continue;
    }

    // 3. Ordinary text: best whitespace break outside code blocks.
    let para = -1;
    let line = -1;
    let space = -1;
    for (let i = windowEnd; i > pos; i--) {
      const c = s[i];
      if (!isSpace(c) || fenceAt(fences, i)) continue;
      if (space < 0) space = i;
      if (c === '\n') {
        if (line < 0) line = i;
        if (para < 0 && s[i - 1] === '\n') para = i - 1;
        if (para >= 0) break;
      }
      // Far enough back: a break this early would waste most of the message.
      if (i < pos + budget / 2 && space >= 0) break;
    }
    const half = pos + budget / 2;
    const cut = para >= half ? para : line >= half ? line : space > pos ? space : line > pos ? line : para > pos ? para : -1;
    if (cut > pos) {
      out.push(prefix + s.slice(pos, cut).trimEnd());
      pos = cut;
      while (pos < n && isSpace(s[pos])) pos++;
      continue;
    }
    // 4. One word longer than the message: cut at the last whole grapheme.
    const hard = lastGraphemeBoundary(s, pos, windowEnd) ?? codePointCut(s, pos, windowEnd);
    out.push(prefix + s.slice(pos, hard));
    pos = hard;
  }
  return out.filter((c) => c.trim() !== '' && c !== FENCE + FENCE);
}

/** Splits at blank lines outside code blocks. */
function paragraphs(s: string): string[] {
  const fences = fenceRanges(s);
  const parts: string[] = [];
  let from = 0;
  const re = /\n[ \t]*\n\s*/g;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (fenceAt(fences, m.index)) continue;
    parts.push(s.slice(from, m.index));
    from = m.index + m[0].length;
  }
  parts.push(s.slice(from));
  return parts.map((p) => p.trim()).filter(Boolean);
}

export function chunkText(text: string, options: { limit: number; mode?: ChunkMode }): string[] {
  const limit = Math.max(1, Math.floor(options.limit));
  const body = text.replace(/\r\n/g, '\n').trim();
  if (!body) return [];
  if (options.mode === 'newline') return paragraphs(body).flatMap((p) => chunkByLength(p, limit));
  return chunkByLength(body, limit);
}
