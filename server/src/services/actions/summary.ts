// One readable line per action, saying exactly what will happen: "write 214 bytes to src/app.ts",
// "run `npm test` in /repo". Paths inside the first allowed root are shown relative to it.
import path from 'node:path';
import type { ToolName } from '../../protocol/actions';
import type { Resolved } from './policy';

/** Quote an argv for display the way a shell user would read it (display only: nothing is ever run by a shell). */
export function displayArgv(argv: readonly string[]): string {
  return argv.map((a) => (a === '' ? "''" : /^[A-Za-z0-9._/:=@+,%-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export function summarize(tool: ToolName, p: Record<string, unknown>, r: Resolved | null, root: string | null): string {
  const show = (name: string) => {
    const real = r?.paths[name];
    const v = real ?? String(p[name] ?? '');
    if (real && root && (real === root || real.startsWith(root + path.sep))) return path.relative(root, real) || '.';
    return v;
  };
  const url = (name = 'url') => r?.urls[name]?.href ?? String(p[name] ?? '');
  switch (tool) {
    case 'desktop_list_dir':
      return `list ${show('path')}`;
    case 'desktop_read_text':
      return `read ${show('path')}`;
    case 'desktop_write_text':
      return `write ${Buffer.byteLength(String(p.content ?? ''), 'utf8')} bytes to ${show('path')}`;
    case 'desktop_move':
      return `move ${show('src')} to ${show('dst')}`;
    case 'desktop_copy':
      return `copy ${show('src')} to ${show('dst')}`;
    case 'desktop_rename':
      return `rename ${show('path')} to ${String(p.new_name)}`;
    case 'desktop_shell':
    case 'desktop_run_app': {
      const argv =
        r?.argv ??
        (tool === 'desktop_run_app'
          ? [String(p.app), ...((p.args as string[]) ?? [])]
          : Array.isArray(p.argv)
            ? (p.argv as string[])
            : [String(p.command ?? '')]);
      const cwd = r?.cwd ?? (typeof p.cwd === 'string' ? p.cwd : (root ?? '.'));
      return `${tool === 'desktop_shell' ? 'run' : 'start'} \`${displayArgv(argv)}\` in ${cwd}`;
    }
    case 'browser_open_url':
      return `open ${url()}`;
    case 'browser_navigate':
      return `navigate to ${url()}`;
    case 'browser_extract_text':
      return `extract the text${p.selector ? ` of ${String(p.selector)}` : ''} from ${url()}`;
    case 'browser_page_summary':
      return `summarize the page ${url()}`;
    case 'browser_download':
      return `download ${url()} to ${show('output_path')}`;
    case 'browser_search':
      return `search the web for "${String(p.query)}" (${r?.urls.search_url?.hostname ?? 'search engine'})`;
    case 'browser_click':
      return `click ${String(p.selector)} on ${url()}`;
    case 'browser_fill_form':
      return `fill ${(p.fields as unknown[] | undefined)?.length ?? 0} field(s)${p.submit_selector ? ' and submit' : ''} on ${url()}`;
    case 'workflow_gate':
      return `continue workflow run ${String(p.workflow_run_id)} at step ${String(p.position)} '${String(p.step)}'`;
  }
}
