// Path and executable resolution for the policy engine. Every path-like parameter is checked after realpath;
// a path that does not exist yet is checked through its nearest existing parent (realpath'd), so a symlinked
// parent cannot smuggle a new file out of a root.
import { accessSync, constants, lstatSync, realpathSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export class PathViolation extends Error {}

export function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

export interface RealPath {
  /** The absolute path as given (resolved against the base, `..` collapsed). */
  given: string;
  /** realpath of the path, or of its nearest existing parent plus the missing tail. */
  real: string;
  exists: boolean;
}

/** realpath, or for a not-yet-existing target realpath of the nearest existing parent. Dangling symlinks are refused. */
export function realpathNearest(p: string, base: string): RealPath {
  const given = path.resolve(base, expandHome(p));
  const tail: string[] = [];
  let cur = given;
  for (;;) {
    let present = false;
    try {
      lstatSync(cur);
      present = true;
    } catch {
      present = false;
    }
    if (present) {
      let real: string;
      try {
        real = realpathSync(cur);
      } catch (err) {
        // lstat saw an entry but realpath cannot follow it: a dangling or looping symlink. Writing through it
        // would create a file wherever it points, so refuse.
        throw new PathViolation(`${cur} is a symbolic link whose target cannot be resolved (${(err as NodeJS.ErrnoException).code})`);
      }
      return { given, real: tail.length ? path.join(real, ...tail.reverse()) : real, exists: tail.length === 0 };
    }
    const parent = path.dirname(cur);
    if (parent === cur) throw new PathViolation(`no existing parent for ${given}`);
    tail.push(path.basename(cur));
    cur = parent;
  }
}

/** The root as a comparable real path (a missing root is kept as given, so nothing is inside it by accident). */
export function realRoot(p: string): string {
  const abs = path.resolve(expandHome(p));
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
}

export function isInside(child: string, root: string): boolean {
  if (child === root) return true;
  const withSep = root.endsWith(path.sep) ? root : root + path.sep;
  return child.startsWith(withSep);
}

/** Where a command would be run from: an absolute/relative path as is, a bare name looked up on PATH. */
export function findExecutable(name: string, searchPath: string, cwd: string): string | null {
  const candidates = name.includes('/')
    ? [path.resolve(cwd, name)]
    : searchPath
        .split(path.delimiter)
        .filter(Boolean)
        .map((d) => path.join(d, name));
  for (const c of candidates) {
    try {
      if (!statSync(c).isFile()) continue;
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return null;
}

export function realOrNull(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

/**
 * Split a command line into argv the way a user reads it (whitespace, '…', "…", backslash escapes) — and
 * nothing more: no globbing, no variables, no redirection. `>` stays a literal argument; no shell ever sees it.
 */
export function splitCommand(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (quote) throw new PathViolation(`unterminated ${quote} quote in command`);
  if (has) out.push(cur);
  return out;
}

/** Characters a shell would treat specially. We never use a shell; they are flagged so the operator sees them. */
export const SHELL_META = /[;&|<>`$(){}\n\r*?~!#\\'"]/;
