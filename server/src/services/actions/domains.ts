// The one domain check for every URL an action touches: the proposal's URLs, every redirect hop, every
// sub-request and WebSocket a page opens, every hop of a download. Hosts are normalised before matching, so
// the many spellings of one address cannot slip past a block: IPv4 in decimal / hex / octal / short forms
// (`2130706434`, `0x7f.0.0.2`, `0177.0.0.2`, `127.2`), IPv4-mapped IPv6 (`[::ffff:127.0.0.2]`,
// `[::ffff:7f00:2]`), trailing dots (`evil.test.`), case and IDNA (`BÜCHER.test` = `xn--bcher-kva.test`).
import { domainToASCII } from 'node:url';

/** IPv6 text (no brackets) → 8 hextets, or null. Handles `::` and a dotted IPv4 tail. */
function ipv6Hextets(s: string): number[] | null {
  let text = s.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const parts = dotted[1]!.split('.').map(Number);
    if (parts.some((n) => n > 255)) return null;
    text = text.slice(0, -dotted[1]!.length) + `${((parts[0]! << 8) | parts[1]!).toString(16)}:${((parts[2]! << 8) | parts[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const part = (h: string) => (h ? h.split(':') : []);
  const head = part(halves[0]!);
  const tail = halves.length === 2 ? part(halves[1]!) : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  if (fill < 0) return null;
  const all = [...head, ...Array(fill).fill('0'), ...tail];
  if (all.length !== 8 || all.some((h) => !/^[0-9a-f]{1,4}$/.test(h))) return null;
  return all.map((h) => parseInt(h, 16));
}

/**
 * A host (or a domain entry from the settings) in one canonical form: lower case, no trailing dot, IDNA as
 * punycode, any IPv4 spelling as dotted decimal, IPv4-mapped / -compatible IPv6 as the IPv4 it carries, other
 * IPv6 in the WHATWG compressed form inside brackets.
 */
export function normalizeHost(raw: string): string {
  let h = raw.trim().toLowerCase();
  while (h.endsWith('.')) h = h.slice(0, -1);
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.includes(':')) {
    const x = ipv6Hextets(h);
    if (!x) return h;
    // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (deprecated compatible, not :: or ::1) reach the IPv4 host.
    const zeros5 = x.slice(0, 5).every((n) => n === 0);
    const mapped = zeros5 && x[5] === 0xffff;
    const compatible = zeros5 && x[5] === 0 && (x[6]! !== 0 || x[7]! > 1);
    if (mapped || compatible) return [x[6]! >> 8, x[6]! & 255, x[7]! >> 8, x[7]! & 255].join('.');
    try {
      return new URL(`http://[${h}]/`).hostname;
    } catch {
      return h;
    }
  }
  // The WHATWG URL parser does the IPv4 number forms and IDNA exactly as the browser does.
  try {
    const u = new URL(`http://${h}/`);
    return u.hostname.replace(/\.$/, '');
  } catch {
    return domainToASCII(h) || h;
  }
}

/** Does the host fall under the domain entry (the domain itself or any subdomain)? `*.x` = `x`. Both normalised. */
export function hostMatches(host: string, domain: string): boolean {
  const h = normalizeHost(host);
  const d = normalizeHost(domain.replace(/^\*\./, ''));
  if (!d) return false;
  // Subdomain matching only makes sense for names, never for IP addresses (1.2.3.4 is not under 2.3.4).
  const isIp = /^\d+\.\d+\.\d+\.\d+$/.test(d) || d.startsWith('[');
  return h === d || (!isIp && h.endsWith('.' + d));
}

export interface DomainPolicy {
  allowedDomains: readonly string[];
  blockedDomains: readonly string[];
}

/** null if the URL may be loaded, else why not. Schemes other than http(s)/ws(s) are refused. */
export function urlRefusal(raw: string, policy: DomainPolicy, schemes: readonly string[] = ['http:', 'https:', 'ws:', 'wss:']): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'not a valid URL';
  }
  if (!schemes.includes(u.protocol)) return `scheme ${u.protocol} is not allowed`;
  const host = normalizeHost(u.hostname);
  const blocked = policy.blockedDomains.find((d) => hostMatches(host, d));
  if (blocked) return `${host} is a blocked domain (${blocked})`;
  if (policy.allowedDomains.length && !policy.allowedDomains.some((d) => hostMatches(host, d)))
    return `${host} is not in the allowed domains (${policy.allowedDomains.join(', ')})`;
  return null;
}
