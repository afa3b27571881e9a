// Agents answer in Markdown; WhatsApp has its own, smaller markup (*bold*, _italic_, ~strike~,
// `code`, ```blocks```). Hand-written over a Markdown parser: only inline markers change, and a
// full parse/render round trip would re-wrap text and escape characters WhatsApp shows literally.

const PLACEHOLDER = (i: number) => `\uE000${i}\uE001`;
const PLACEHOLDER_RE = /\uE000(\d+)\uE001/g;

/** Converts agent Markdown to WhatsApp formatting; code spans and blocks pass through unchanged. */
export function markdownToWhatsApp(markdown: string): string {
  const kept: string[] = [];
  const keep = (s: string) => {
    kept.push(s);
    return PLACEHOLDER(kept.length - 1);
  };
  // Fenced blocks (an unclosed fence runs to the end), then inline code. The language tag after
  // the opening fence is dropped: WhatsApp would show it as the block's first line.
  let text = markdown.replace(/```(?:[\w+#.-]*[ \t]*\n)?([\s\S]*?)(?:```|$)/g, (_m, body: string) =>
    keep('```' + (body.endsWith('\n') ? body.slice(0, -1) : body) + '```'),
  );
  text = text.replace(/`[^`\n]+`/g, (m) => keep(m));

  // Links and images: WhatsApp has no link syntax, so "text (url)"; a bare URL stays bare.
  text = text.replace(/!?\[([^\]\n]*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"\n]*")?\s*\)/g, (_m, label: string, url: string) => {
    const plainUrl = url.replace(/^(https?:\/\/|mailto:)/i, '');
    const l = label.trim();
    if (!l || l === url || l === plainUrl) return keep(url);
    return `${l} (${keep(url)})`;
  });
  // URLs often contain _ and * that must not turn into formatting.
  text = text.replace(/\b(?:https?:\/\/|www\.)[^\s<>()]+[^\s<>().,;:!?'"]/gi, (m) => keep(m));

  // *italic* -> _italic_ first, while **bold** still has its double markers.
  text = text.replace(/(^|[^*\w])\*(?![\s*])([^*\n]+?)(?<![\s*])\*(?![*\w])/gm, '$1_$2_');
  text = text.replace(/\*\*\*(?!\s)([^*\n]+?)(?<!\s)\*\*\*/g, '*_$1_*');
  text = text.replace(/\*\*(?!\s)([^\n]+?)(?<!\s)\*\*/g, '*$1*');
  text = text.replace(/(^|[^\w])__(?!\s)([^\n]+?)(?<!\s)__(?!\w)/gm, '$1*$2*');
  text = text.replace(/~~(?!\s)([^\n]+?)(?<!\s)~~/g, '~$1~');
  // Headings become a bold line (inner markers removed so they do not nest).
  text = text.replace(/^[ \t]{0,3}#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm, (_m, title: string) => `*${title.replace(/[*_]/g, '')}*`);
  // Setext underlines (=== / --- under a line) would show as rules of symbols.
  text = text.replace(/^([^\n]+)\n[ \t]*=+[ \t]*$/gm, (_m, title: string) => `*${title.replace(/[*_]/g, '')}*`);

  // Placeholders may nest (a URL kept inside a link label), so restore until none are left.
  for (let i = 0; i < 3 && PLACEHOLDER_RE.test(text); i++) {
    PLACEHOLDER_RE.lastIndex = 0;
    text = text.replace(PLACEHOLDER_RE, (_m, n: string) => kept[Number(n)] ?? '');
  }
  return text;
}
