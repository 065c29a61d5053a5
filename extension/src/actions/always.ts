// What "Always allow" would let through, in words (no vscode import: pure text). A grant is remembered only for
// ask_once tools (item.can_remember) and matches exactly what the server's policy keys it on: the same files, the
// same command line in the same folder, or the same web hosts. Where no grant can apply the toast has no such button.
import type { ActionItem } from './types';

const base = (p: string) => p.split(/[\\/]/).filter(Boolean).pop() ?? p;
const list = (xs: string[], max = 2) => (xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`);

/** The full description of what a grant for this action would allow (for the quick pick). */
export function grantTarget(item: ActionItem): string {
  const p = item.scope_preview;
  if (p.argv) return `exactly \`${p.argv.join(' ')}\` in ${p.cwd ?? 'the same folder'}`;
  if (p.domains.length && !p.paths.length) return `any page on ${list(p.domains, 4)}`;
  return `only ${list(p.paths, 4)}${p.domains.length ? ` from ${list(p.domains, 4)}` : ''}`;
}

/** The toast button ("Always allow writing to notes.txt…"), or null where a grant cannot apply. */
export function alwaysAllowLabel(item: ActionItem): string | null {
  if (!item.can_remember) return null;
  const p = item.scope_preview;
  if (p.argv) return `Always allow this exact command…`;
  if (p.domains.length && !p.paths.length) return `Always allow ${list(p.domains)}…`;
  if (!p.paths.length) return null; // nothing concrete a grant could be keyed on
  const verb = item.risk === 'read' ? 'reading' : item.risk === 'write' ? 'writing to' : 'this on';
  return `Always allow ${verb} ${list(p.paths.map(base))}…`;
}
