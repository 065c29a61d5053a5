// The route list of ../shared/brief/http-api.md, parsed: every `VERB path` span (with `GET|POST`, `a|b|c` last
// segments and `(+ \`/lineage\`, …)` suffixes expanded; Software Missions paths are under /api/integrations).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './server';

export const HTTP_API_MD = [
  path.resolve(ROOT, '../shared/brief/http-api.md'),
  path.resolve(ROOT, '../../shared/brief/http-api.md'),
  '/work/shared/brief/http-api.md',
].find((p) => existsSync(p));

export interface DocRoute {
  verb: string;
  /** Path with every parameter written `{}` (compare with `routeKey`). */
  path: string;
  /** The path as the brief wrote it (for messages). */
  raw: string;
}

/** `/api/x/:run_id/y` or `/api/x/{id}/y` → `/api/x/{}/y`. */
export const normPath = (p: string) => p.replace(/\{[^}]*\}|:[A-Za-z_]+/g, '{}').replace(/\/+$/, '');
export const routeKey = (verb: string, p: string) => `${verb} ${normPath(p)}`;

/** Expand `prefix/a|b|c`: each alternative after the first replaces the first one's last segment (or segments). */
function expand(p: string): string[] {
  const parts = p.split('|');
  const first = parts[0]!;
  const base = first.slice(0, first.lastIndexOf('/') + 1);
  return [first, ...parts.slice(1).map((alt) => base + alt)];
}

export function parseHttpApi(text: string): DocRoute[] {
  const out = new Map<string, DocRoute>();
  let section = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('## ')) section = line;
    const prefix = section.includes('/api/integrations') ? '/api/integrations/' : '';
    let last: DocRoute[] = [];
    const spans = [...line.matchAll(/`([^`]+)`/g)];
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i]![1]!;
      const m = /^((?:GET|POST|PUT|PATCH|DELETE)(?:\|(?:GET|POST|PUT|PATCH|DELETE))*) (\S+)/.exec(span);
      if (m) {
        let p = m[2]!.split('?')[0]!;
        if (!p.startsWith('/')) p = prefix + p;
        if (!p.startsWith('/api/')) continue;
        last = [];
        for (const verb of m[1]!.split('|')) {
          for (const one of expand(p)) {
            const r = { verb, path: normPath(one), raw: `${verb} ${one}` };
            out.set(`${r.verb} ${r.path}`, r);
            last.push(r);
          }
        }
        continue;
      }
      // `GET /api/memory/capsules/{id}` (+ `/lineage`, `/neighbors`): sub-routes of the route just named.
      const before = line.slice(0, spans[i]!.index);
      if (/^\/[a-z]/.test(span) && last.length && /\(\+ (?:`[^`]+`, )*$/.test(before)) {
        for (const r of last.filter((x) => !x.raw.includes('+'))) {
          const q = normPath(r.raw.split(' ')[1]! + span);
          out.set(`${r.verb} ${q}`, { verb: r.verb, path: q, raw: `${r.raw}${span} (+)` });
        }
      }
    }
  }
  return [...out.values()];
}

export function httpApiRoutes(): DocRoute[] {
  if (!HTTP_API_MD) throw new Error('http-api.md not found (expected ../shared/brief/http-api.md beside the repository)');
  return parseHttpApi(readFileSync(HTTP_API_MD, 'utf8'));
}
