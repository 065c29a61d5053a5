// A small PDF text extractor, so PDF uploads need no new dependency. It walks the file's `stream … endstream`
// objects, inflates FlateDecode streams with node:zlib, and reads the text-showing operators of content
// streams: Tj, TJ, ' and " (literal strings with escapes, and hex strings), with Td/TD/T*/ET as line breaks.
//
// Limits (stated, not hidden): no font encodings or ToUnicode CMaps, so text in CID/Type0 fonts (Identity-H,
// common for non-Latin scripts) comes out as bytes and is dropped when it is not printable; no other filters
// (LZW, ASCII85, DCT — images carry no text anyway); no encrypted PDFs; no cross-reference parsing (streams are
// found by scanning, so object streams holding only objects are skipped); reading order is the order the
// content stream draws in. Scanned PDFs (images) yield nothing — the upload then says so in a warning.
import { inflateSync } from 'node:zlib';

function streams(buf: Buffer): { dict: string; data: Buffer }[] {
  const out: { dict: string; data: Buffer }[] = [];
  let pos = 0;
  for (;;) {
    const s = buf.indexOf('stream', pos, 'latin1');
    if (s < 0) break;
    // Skip the "stream" inside "endstream".
    if (buf.toString('latin1', Math.max(0, s - 3), s) === 'end') {
      pos = s + 6;
      continue;
    }
    let start = s + 6;
    if (buf[start] === 0x0d) start++;
    if (buf[start] === 0x0a) start++;
    const end = buf.indexOf('endstream', start, 'latin1');
    if (end < 0) break;
    const dictStart = buf.lastIndexOf('<<', s, 'latin1');
    const dict = dictStart >= 0 ? buf.toString('latin1', dictStart, s) : '';
    out.push({ dict, data: buf.subarray(start, end) });
    pos = end + 9;
  }
  return out;
}

function decodeLiteral(s: string, i: number): [string, number] {
  // s[i] === '('; returns the decoded string and the index after the closing ')'.
  let depth = 1;
  let out = '';
  i++;
  while (i < s.length && depth > 0) {
    const c = s[i]!;
    if (c === '\\') {
      const n = s[i + 1] ?? '';
      const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '(': '(', ')': ')', '\\': '\\' };
      if (map[n] !== undefined) {
        out += map[n];
        i += 2;
      } else if (/[0-7]/.test(n)) {
        const oct = /^[0-7]{1,3}/.exec(s.slice(i + 1, i + 4))![0];
        out += String.fromCharCode(parseInt(oct, 8));
        i += 1 + oct.length;
      } else if (n === '\n' || n === '\r') {
        i += 2;
      } else {
        out += n;
        i += 2;
      }
      continue;
    }
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (depth > 0) out += c;
    i++;
  }
  return [out, i];
}

function decodeHex(h: string): string {
  const clean = h.replace(/[^0-9a-fA-F]/g, '');
  const padded = clean.length % 2 ? clean + '0' : clean;
  let out = '';
  for (let i = 0; i < padded.length; i += 2) out += String.fromCharCode(parseInt(padded.slice(i, i + 2), 16));
  return out;
}

/** Text drawn by one content stream. */
export function textFromContent(content: string): string {
  let out = '';
  let pending: string[] = [];
  let i = 0;
  const flushTo = (sep: string) => {
    if (pending.length) out += pending.join('');
    pending = [];
    if (sep && !out.endsWith(sep)) out += sep;
  };
  while (i < content.length) {
    const c = content[i]!;
    if (c === '(') {
      const [str, next] = decodeLiteral(content, i);
      pending.push(str);
      i = next;
    } else if (c === '<' && content[i + 1] !== '<') {
      const end = content.indexOf('>', i);
      if (end < 0) break;
      pending.push(decodeHex(content.slice(i + 1, end)));
      i = end + 1;
    } else if (c === '[' || c === ']') {
      i++;
    } else if (/[A-Za-z'"*]/.test(c)) {
      const op = /^[A-Za-z'"*]+/.exec(content.slice(i, i + 4))![0];
      if (op === 'Tj' || op === 'TJ') flushTo('');
      else if (op === "'" || op === '"') flushTo('\n');
      else if (op === 'Td' || op === 'TD' || op === 'T*' || op === 'ET' || op === 'Tm') flushTo('\n');
      else if (op !== 'BT') pending = []; // strings before any other operator are not text
      i += op.length;
    } else if (/[-0-9.]/.test(c)) {
      // TJ kerning: a large negative adjustment is a word space.
      const num = /^-?[0-9.]+/.exec(content.slice(i, i + 16))?.[0] ?? c;
      if (pending.length && Number(num) < -200) pending.push(' ');
      i += num.length;
    } else i++;
  }
  flushTo('');
  return out;
}

export interface PdfText {
  text: string;
  streams: number;
  textStreams: number;
  skipped: number;
}

export function extractPdfText(buf: Buffer): PdfText {
  if (buf.toString('latin1', 0, 5) !== '%PDF-') throw new Error('not a PDF (no %PDF- header)');
  if (/\/Encrypt\b/.test(buf.toString('latin1'))) throw new Error('the PDF is encrypted');
  const parts: string[] = [];
  let textStreams = 0;
  let skipped = 0;
  const all = streams(buf);
  for (const s of all) {
    if (/\/(Subtype\s*\/Image|Type\s*\/XObject|Type\s*\/ObjStm|Type\s*\/XRef|Length1|Type\s*\/Font)/.test(s.dict)) continue;
    let data: Buffer;
    if (/\/FlateDecode/.test(s.dict)) {
      try {
        data = inflateSync(s.data);
      } catch {
        skipped++;
        continue;
      }
    } else if (/\/Filter/.test(s.dict)) {
      skipped++;
      continue;
    } else data = s.data;
    const content = data.toString('latin1');
    if (!/\bBT\b/.test(content)) continue;
    const text = textFromContent(content)
      .replace(/[^\t\n\x20-\x7e\u00a0-\u00ff]/g, '')
      .replace(/[ \t]+\n/g, '\n');
    if (text.trim()) {
      parts.push(text.trim());
      textStreams++;
    }
  }
  return { text: parts.join('\n\n'), streams: all.length, textStreams, skipped };
}
