// Uploads become memories in chunks: split at Markdown headings, then at blank-line paragraphs, packed up to a
// size cap; a paragraph longer than the cap is split at sentence ends (then hard). Consecutive chunks of one
// section overlap by a tail of the previous chunk (cut at a word boundary) and repeat the section heading, so a
// fact on a chunk border is still retrievable with its context.

export interface ChunkOptions {
  maxChars: number;
  overlapChars: number;
  markdown: boolean;
}

interface Section {
  heading: string | null;
  body: string;
}

function sections(text: string, markdown: boolean): Section[] {
  if (!markdown) return [{ heading: null, body: text }];
  const out: Section[] = [];
  let cur: Section = { heading: null, body: '' };
  let fence = false;
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    if (!fence && /^#{1,6}\s+\S/.test(line)) {
      if (cur.heading || cur.body.trim()) out.push(cur);
      cur = { heading: line.trim(), body: '' };
    } else cur.body += line + '\n';
  }
  if (cur.heading || cur.body.trim()) out.push(cur);
  return out;
}

function splitLong(p: string, max: number): string[] {
  if (p.length <= max) return [p];
  const sentences = p.match(/[^.!?\n]+(?:[.!?]+|\n|$)\s*/g) ?? [p];
  const out: string[] = [];
  let buf = '';
  for (const s of sentences) {
    if (s.length > max) {
      if (buf) {
        out.push(buf.trim());
        buf = '';
      }
      for (let i = 0; i < s.length; i += max) out.push(s.slice(i, i + max).trim());
      continue;
    }
    if (buf.length + s.length > max) {
      out.push(buf.trim());
      buf = '';
    }
    buf += s;
  }
  if (buf.trim()) out.push(buf.trim());
  return out.filter(Boolean);
}

function tail(text: string, n: number): string {
  if (n <= 0 || !text) return '';
  const t = text.slice(-n);
  const sp = t.indexOf(' ');
  return (sp > 0 && sp < t.length - 1 ? t.slice(sp + 1) : t).trim();
}

export function chunkText(text: string, opts: ChunkOptions): string[] {
  const normalized = text.replace(/\r\n?/g, '\n');
  const out: string[] = [];
  for (const sec of sections(normalized, opts.markdown)) {
    const head = sec.heading ? sec.heading + '\n' : '';
    const room = Math.max(100, opts.maxChars - head.length);
    const paras = sec.body
      .split(/\n\s*\n/)
      .map((p) => p.trim())
      .filter(Boolean)
      .flatMap((p) => splitLong(p, room - opts.overlapChars));
    if (!paras.length) {
      if (sec.heading) out.push(sec.heading);
      continue;
    }
    let buf = '';
    for (const p of paras) {
      if (buf && buf.length + 2 + p.length > room) {
        out.push((head + buf).trim());
        const overlap = tail(buf, opts.overlapChars);
        buf = overlap ? `${overlap} … ${p}` : p;
      } else buf = buf ? `${buf}\n\n${p}` : p;
    }
    if (buf) out.push((head + buf).trim());
  }
  return out;
}
