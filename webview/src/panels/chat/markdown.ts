// Model output → safe HTML. `marked` parses the Markdown; DOMPurify removes anything executable (a model can be
// talked into emitting `<img onerror>` or `<script>`); fenced code blocks are returned as separate segments so
// the panel renders them itself with Copy / Insert at Cursor / Apply buttons.
import { marked, type Token } from 'marked';
import DOMPurify from 'dompurify';

export type Segment = { kind: 'html'; html: string } | { kind: 'code'; lang: string; text: string };

function safeHtml(tokens: Token[]): string {
  const list = Object.assign(tokens, { links: {} }) as Parameters<typeof marked.parser>[0];
  const raw = marked.parser(list, { gfm: true, breaks: false });
  return DOMPurify.sanitize(raw, { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'form', 'input', 'iframe'], FORBID_ATTR: ['style'] });
}

export function segments(markdown: string): Segment[] {
  const out: Segment[] = [];
  let pending: Token[] = [];
  const flush = () => {
    if (pending.length) out.push({ kind: 'html', html: safeHtml(pending) });
    pending = [];
  };
  for (const t of marked.lexer(markdown, { gfm: true })) {
    if (t.type === 'code') {
      flush();
      out.push({ kind: 'code', lang: (t as Token & { lang?: string }).lang ?? '', text: (t as Token & { text: string }).text });
    } else pending.push(t);
  }
  flush();
  return out;
}

// Links open outside (never navigate the panel).
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});
