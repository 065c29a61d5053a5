// File tools: fs APIs only (no shell), through descriptors verified against the roots at the moment of use
// (see ../safefs.ts): the object checked is the object used, even if a name is swapped for a symlink meanwhile.
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, readlink, rename, rm, symlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Evaluation } from '../policy';
import { copyFd, ensureDir, openDir, openFileRead, openFileWrite, readUpTo, SwapRefused, via, type Guard } from '../safefs';
import { ExecutionFailed } from './types';

async function existsIn(dir: FileHandle, name: string): Promise<boolean> {
  return lstat(via(dir, name)).then(
    () => true,
    () => false,
  );
}

async function closeAll(...fhs: (FileHandle | null | undefined)[]): Promise<void> {
  for (const f of fhs) await f?.close().catch(() => undefined);
}

/** Copy a folder tree descriptor to descriptor: children opened with O_NOFOLLOW relative to verified parents. */
async function copyTree(src: FileHandle, dst: FileHandle, overwrite: boolean): Promise<void> {
  for (const e of await readdir(`/proc/self/fd/${src.fd}`, { withFileTypes: true })) {
    const from = via(src, e.name);
    const to = via(dst, e.name);
    if (e.isSymbolicLink()) {
      // Copied verbatim as a link (never followed): reading through it later is checked like any path.
      if (overwrite) await rm(to, { force: true, recursive: true });
      await symlink(await readlink(from), to);
    } else if (e.isDirectory()) {
      await mkdir(to).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST' || !overwrite) throw err;
      });
      const s = await open(from, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
      const d = await open(to, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW).catch(async (err) => {
        await s.close();
        throw err;
      });
      try {
        await copyTree(s, d, overwrite);
      } finally {
        await closeAll(s, d);
      }
    } else if (e.isFile()) {
      const s = await open(from, constants.O_RDONLY | constants.O_NOFOLLOW);
      let d: FileHandle | null = null;
      try {
        if ((await s.stat()).nlink > 1) throw new SwapRefused(`${e.name} has several hard links; it may be a file outside the allowed folders`);
        d = await open(to, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | (overwrite ? constants.O_TRUNC : constants.O_EXCL), 0o644);
        await copyFd(s, d);
      } finally {
        await closeAll(s, d);
      }
    }
  }
}

/** The parent folder of a checked path as a verified descriptor, and the last name. */
async function parentOf(p: string, guard: Guard, label: string, create: boolean): Promise<{ dir: FileHandle; name: string }> {
  const dir = create ? await ensureDir(path.dirname(p), guard, label) : await openDir(path.dirname(p), guard, label);
  return { dir, name: path.basename(p) };
}

async function copy(src: string, dst: string, overwrite: boolean, guard: Guard) {
  const s = await parentOf(src, guard, 'src', false);
  let d: { dir: FileHandle; name: string } | null = null;
  try {
    const st = await lstat(via(s.dir, s.name)).catch(() => null);
    if (!st) throw new ExecutionFailed(`${src} does not exist`);
    d = await parentOf(dst, guard, 'dst', true);
    if (!overwrite && (await existsIn(d.dir, d.name))) throw new ExecutionFailed(`${dst} already exists (set overwrite: true to replace it)`);
    if (st.isDirectory()) {
      const sd = await openDir(src, guard, 'src');
      let dd: FileHandle | null = null;
      try {
        dd = await ensureDir(dst, guard, 'dst');
        await copyTree(sd, dd, overwrite);
      } finally {
        await closeAll(sd, dd);
      }
      return { ok: true, src, dst, kind: 'directory' };
    }
    const sf = await openFileRead(src, guard, 'src');
    let df: FileHandle | null = null;
    try {
      df = await openFileWrite(dst, guard, 'dst', overwrite);
      await copyFd(sf, df);
    } finally {
      await closeAll(sf, df);
    }
    return { ok: true, src, dst, kind: 'file' };
  } finally {
    await closeAll(s.dir, d?.dir);
  }
}

/** Move / rename: rename() between names inside two verified folder descriptors (the entry itself moves, never a link's target). */
async function move(src: string, dst: string, overwrite: boolean, guard: Guard, labels: [string, string] = ['src', 'dst']) {
  const s = await parentOf(src, guard, labels[0], false);
  let d: { dir: FileHandle; name: string } | null = null;
  try {
    const st = await lstat(via(s.dir, s.name)).catch(() => null);
    if (!st) throw new ExecutionFailed(`${src} does not exist`);
    d = await parentOf(dst, guard, labels[1], true);
    if (!overwrite && (await existsIn(d.dir, d.name)))
      throw new ExecutionFailed(`${dst} already exists${labels[0] === 'src' ? ' (set overwrite: true to replace it)' : ''}`);
    try {
      await rename(via(s.dir, s.name), via(d.dir, d.name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      // Another file system: copy through verified descriptors, then remove the source entry.
      await copy(src, dst, overwrite, guard);
      await rm(via(s.dir, s.name), { recursive: true, force: true });
    }
    return { kind: st.isDirectory() ? 'directory' : 'file' };
  } finally {
    await closeAll(s.dir, d?.dir);
  }
}

export async function runFileTool(ev: Evaluation, guard: Guard): Promise<unknown> {
  const p = ev.params;
  const r = ev.resolved.paths;
  switch (ev.tool) {
    case 'desktop_list_dir': {
      const dir = r.path!;
      const fh = await openDir(dir, guard, 'path').catch((err) => {
        if (err instanceof ExecutionFailed && !(err instanceof SwapRefused)) throw new ExecutionFailed(`${dir} is not a folder`);
        throw err;
      });
      try {
        const entries = await readdir(`/proc/self/fd/${fh.fd}`, { withFileTypes: true });
        entries.sort((a, b) => a.name.localeCompare(b.name));
        return {
          path: dir,
          entries: entries
            .slice(0, 5000)
            .map((e) => ({ name: e.name, type: e.isDirectory() ? 'dir' : e.isSymbolicLink() ? 'symlink' : e.isFile() ? 'file' : 'other' })),
          truncated: entries.length > 5000,
        };
      } finally {
        await fh.close();
      }
    }
    case 'desktop_read_text': {
      const file = r.path!;
      const fh = await openFileRead(file, guard, 'path').catch((err) => {
        if (err instanceof ExecutionFailed && !(err instanceof SwapRefused)) throw new ExecutionFailed(`${file} is not a file`);
        throw err;
      });
      try {
        const size = (await fh.stat()).size;
        const max = Number(p.max_bytes);
        const buf = await readUpTo(fh, max);
        return { path: file, content: buf.toString('utf8'), size, truncated: size > max };
      } finally {
        await fh.close();
      }
    }
    case 'desktop_write_text': {
      const file = r.path!;
      const content = String(p.content);
      const fh = await openFileWrite(file, guard, 'path', Boolean(p.overwrite));
      try {
        await fh.writeFile(content, 'utf8');
      } finally {
        await fh.close();
      }
      return { path: file, bytes: Buffer.byteLength(content, 'utf8') };
    }
    case 'desktop_move': {
      const out = await move(r.src!, r.dst!, Boolean(p.overwrite), guard);
      return { ok: true, src: r.src, dst: r.dst, ...out };
    }
    case 'desktop_copy':
      return copy(r.src!, r.dst!, Boolean(p.overwrite), guard);
    case 'desktop_rename': {
      await move(r.path!, r.new_path!, false, guard, ['path', 'new_name']);
      return { ok: true, from: r.path, to: r.new_path };
    }
    default:
      throw new ExecutionFailed(`${ev.tool} is not a file tool`);
  }
}
