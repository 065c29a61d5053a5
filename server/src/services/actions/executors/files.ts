// File tools: fs APIs only (no shell), on the real paths the policy resolved moments before.
import { constants, createReadStream } from 'node:fs';
import { copyFile, cp, lstat, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Evaluation } from '../policy';
import { ExecutionFailed } from './types';

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(() => true, () => false);
}

async function readCapped(file: string, max: number): Promise<{ text: string; truncated: boolean; size: number }> {
  const size = (await stat(file)).size;
  const chunks: Buffer[] = [];
  let got = 0;
  for await (const chunk of createReadStream(file, { start: 0, end: Math.max(0, max - 1) })) {
    chunks.push(chunk as Buffer);
    got += (chunk as Buffer).length;
  }
  const buf = Buffer.concat(chunks, got);
  return { text: buf.toString('utf8'), truncated: size > max, size };
}

async function moveOrCopy(kind: 'move' | 'copy', src: string, dst: string, overwrite: boolean) {
  if (!(await exists(src))) throw new ExecutionFailed(`${src} does not exist`);
  if (!overwrite && (await exists(dst))) throw new ExecutionFailed(`${dst} already exists (set overwrite: true to replace it)`);
  await mkdir(path.dirname(dst), { recursive: true });
  const isDir = (await lstat(src)).isDirectory();
  if (kind === 'move') {
    try {
      await rename(src, dst);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      await cp(src, dst, { recursive: true, force: overwrite, errorOnExist: !overwrite, verbatimSymlinks: true });
      await rm(src, { recursive: true, force: true });
    }
  } else if (isDir) {
    await cp(src, dst, { recursive: true, force: overwrite, errorOnExist: !overwrite, verbatimSymlinks: true });
  } else {
    await copyFile(src, dst, overwrite ? 0 : constants.COPYFILE_EXCL);
  }
  return { ok: true, src, dst, kind: isDir ? 'directory' : 'file' };
}

export async function runFileTool(ev: Evaluation): Promise<unknown> {
  const p = ev.params;
  const r = ev.resolved.paths;
  switch (ev.tool) {
    case 'desktop_list_dir': {
      const dir = r.path!;
      const st = await stat(dir).catch(() => null);
      if (!st?.isDirectory()) throw new ExecutionFailed(`${dir} is not a folder`);
      const entries = await readdir(dir, { withFileTypes: true });
      entries.sort((a, b) => a.name.localeCompare(b.name));
      return { path: dir, entries: entries.slice(0, 5000).map((e) => ({ name: e.name, type: e.isDirectory() ? 'dir' : e.isSymbolicLink() ? 'symlink' : e.isFile() ? 'file' : 'other' })), truncated: entries.length > 5000 };
    }
    case 'desktop_read_text': {
      const file = r.path!;
      const st = await stat(file).catch(() => null);
      if (!st?.isFile()) throw new ExecutionFailed(`${file} is not a file`);
      const { text, truncated, size } = await readCapped(file, Number(p.max_bytes));
      return { path: file, content: text, size, truncated };
    }
    case 'desktop_write_text': {
      const file = r.path!;
      const content = String(p.content);
      if (!p.overwrite && (await exists(file))) throw new ExecutionFailed(`${file} already exists (set overwrite: true to replace it)`);
      const st = await stat(file).catch(() => null);
      if (st?.isDirectory()) throw new ExecutionFailed(`${file} is a folder`);
      await mkdir(path.dirname(file), { recursive: true });
      // O_NOFOLLOW: if the target was swapped for a symlink after the policy check, the open fails instead of
      // writing wherever the link points.
      const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | (p.overwrite ? constants.O_TRUNC : constants.O_EXCL);
      const fh = await open(file, flags, 0o644);
      try {
        await fh.writeFile(content, 'utf8');
      } finally {
        await fh.close();
      }
      return { path: file, bytes: Buffer.byteLength(content, 'utf8') };
    }
    case 'desktop_move':
      return moveOrCopy('move', r.src!, r.dst!, Boolean(p.overwrite));
    case 'desktop_copy':
      return moveOrCopy('copy', r.src!, r.dst!, Boolean(p.overwrite));
    case 'desktop_rename': {
      const from = r.path!;
      const to = r.new_path!;
      if (!(await exists(from))) throw new ExecutionFailed(`${from} does not exist`);
      if (await exists(to)) throw new ExecutionFailed(`${to} already exists`);
      await rename(from, to);
      return { ok: true, from, to };
    }
    default:
      throw new ExecutionFailed(`${ev.tool} is not a file tool`);
  }
}
