// Check what you use: the policy checks real paths, but a local process can swap a name for a symlink between
// that check and the operation. So every executor works through descriptors: open with O_NOFOLLOW, read the
// descriptor's real path from /proc/self/fd/N and verify it (inside the roots, outside the blocked roots, and
// the very path the policy checked) BEFORE reading or writing through it. New files and folders are created
// inside an already-verified folder descriptor (`/proc/self/fd/<dir>/<name>` is openat() for Node) and the new
// descriptor is verified again. Nothing is truncated before its descriptor is verified.
import { constants, lstatSync, readlinkSync } from 'node:fs';
import { mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isInside } from './paths';
import { ExecutionFailed } from './executors/types';

export interface Guard {
  roots: readonly string[];
  blockedRoots: readonly string[];
}

/** The object about to be used is not the object the policy checked: refused, nothing read or written. */
export class SwapRefused extends ExecutionFailed {
  constructor(message: string) {
    super(`Refused at use: ${message}`);
  }
}

const NOFOLLOW = constants.O_NOFOLLOW;

/** `/proc/self/fd/<fd>/<name>`: the name resolved inside the folder the descriptor holds, wherever it is now. */
export const via = (dir: FileHandle, name: string): string => {
  if (!name || name === '.' || name === '..' || name.includes('/')) throw new SwapRefused(`'${name}' is not a plain name`);
  return `/proc/self/fd/${dir.fd}/${name}`;
};

export function fdPath(fd: number): string {
  return readlinkSync(`/proc/self/fd/${fd}`);
}

/** Verify an open descriptor: its real path now must be inside the roots, not blocked, and (if given) the expected one. */
export function verify(fh: FileHandle, guard: Guard, label: string, expected?: string): string {
  const real = fdPath(fh.fd);
  if (real.endsWith(' (deleted)')) throw new SwapRefused(`${label} was deleted while being opened`);
  const blocked = guard.blockedRoots.find((b) => isInside(real, b));
  if (blocked) throw new SwapRefused(`${label} resolved to ${real}, inside the blocked folder ${blocked}`);
  if (!guard.roots.some((r) => isInside(real, r))) throw new SwapRefused(`${label} resolved to ${real}, outside the allowed folders`);
  if (expected !== undefined && real !== expected)
    throw new SwapRefused(`${label} resolved to ${real}, not the checked ${expected} (was it swapped?)`);
  return real;
}

async function guarded<T>(fh: FileHandle, fn: (fh: FileHandle) => Promise<T> | T): Promise<T> {
  try {
    return await fn(fh);
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw err;
  }
}

function openError(err: unknown, label: string, p: string): never {
  const code = (err as NodeJS.ErrnoException).code;
  // ELOOP with O_NOFOLLOW: the last name is (now) a symbolic link. ENOTDIR with O_DIRECTORY: not a folder any more.
  // O_DIRECTORY|O_NOFOLLOW on a symlink answers ENOTDIR on Linux: tell a swapped link from a plain file.
  const isLink = () => {
    try {
      return lstatSync(p).isSymbolicLink();
    } catch {
      return false;
    }
  };
  if (code === 'ELOOP' || (code === 'ENOTDIR' && isLink())) throw new SwapRefused(`${label} ${p} is a symbolic link now (was it swapped?)`);
  if (code === 'ENOENT') throw new ExecutionFailed(`${p} does not exist`);
  if (code === 'ENOTDIR') throw new ExecutionFailed(`${p} is not a folder`);
  if (code === 'EISDIR') throw new ExecutionFailed(`${p} is a folder`);
  if (code === 'EEXIST') throw new ExecutionFailed(`${p} already exists (set overwrite: true to replace it)`);
  throw err;
}

/** Open an existing folder (last name not a link) and verify it. */
export async function openDir(p: string, guard: Guard, label: string, expected = p): Promise<FileHandle> {
  const fh = await open(p, constants.O_RDONLY | constants.O_DIRECTORY | NOFOLLOW).catch((e) => openError(e, label, p));
  return guarded(fh, (h) => (verify(h, guard, label, expected), h));
}

/** Open an existing file for reading (last name not a link), verify it, refuse hard links and non-files. */
export async function openFileRead(p: string, guard: Guard, label: string, expected = p): Promise<FileHandle> {
  const fh = await open(p, constants.O_RDONLY | NOFOLLOW).catch((e) => openError(e, label, p));
  return guarded(fh, async (h) => {
    verify(h, guard, label, expected);
    const st = await h.stat();
    if (st.isDirectory()) throw new ExecutionFailed(`${p} is a folder`);
    if (!st.isFile()) throw new ExecutionFailed(`${p} is not a regular file`);
    // /proc shows the name used to open it; a hard link's other name may be a file outside the roots.
    if (st.nlink > 1) throw new SwapRefused(`${label} ${p} has several hard links; it may be a file outside the allowed folders`);
    return h;
  });
}

/**
 * The verified descriptor of folder `dir` (a real path the policy checked), creating the missing folders one by
 * one, each inside the verified descriptor of its parent.
 */
export async function ensureDir(dir: string, guard: Guard, label: string): Promise<FileHandle> {
  const missing: string[] = [];
  let cur = dir;
  let fh: FileHandle | null = null;
  for (;;) {
    try {
      fh = await openDir(cur, guard, label, cur);
      break;
    } catch (err) {
      if (err instanceof SwapRefused) throw err;
      if ((err as Error).message !== `${cur} does not exist`) throw err;
      const parent = path.dirname(cur);
      if (parent === cur || !guard.roots.some((r) => isInside(parent, r)))
        throw new ExecutionFailed(`${dir} has no existing parent inside the allowed folders`);
      missing.unshift(path.basename(cur));
      cur = parent;
    }
  }
  for (const name of missing) {
    const parent: FileHandle = fh;
    try {
      await mkdir(via(parent, name)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
      });
      cur = path.join(cur, name);
      fh = await open(via(parent, name), constants.O_RDONLY | constants.O_DIRECTORY | NOFOLLOW).catch((e) => openError(e, label, cur));
      await guarded(fh, (h) => verify(h, guard, label, cur));
    } finally {
      await parent.close().catch(() => undefined);
    }
  }
  return fh;
}

/**
 * Open `file` (a real path the policy checked) for writing: created inside the verified parent descriptor with
 * O_NOFOLLOW (O_EXCL unless overwrite), verified, and only then truncated. A file created by us that fails the
 * check is removed again.
 */
export async function openFileWrite(file: string, guard: Guard, label: string, overwrite: boolean): Promise<FileHandle> {
  const dir = await ensureDir(path.dirname(file), guard, label);
  const name = path.basename(file);
  try {
    let created = false;
    let fh: FileHandle;
    try {
      fh = await open(via(dir, name), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o644);
      created = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !overwrite) openError(err, label, file);
      fh = await open(via(dir, name), constants.O_WRONLY | NOFOLLOW).catch((e) => openError(e, label, file));
    }
    return await guarded(fh, async (h) => {
      try {
        verify(h, guard, label, file);
        const st = await h.stat();
        if (!st.isFile()) throw new ExecutionFailed(`${file} is not a regular file`);
        if (st.nlink > 1) throw new SwapRefused(`${label} ${file} has several hard links; it may be a file outside the allowed folders`);
      } catch (err) {
        if (created) await unlink(via(dir, name)).catch(() => undefined);
        throw err;
      }
      await h.truncate(0);
      return h;
    });
  } finally {
    await dir.close().catch(() => undefined);
  }
}

/** Read at most `max` bytes from an open descriptor. */
export async function readUpTo(fh: FileHandle, max: number): Promise<Buffer> {
  const buf = Buffer.alloc(Math.max(0, max));
  let got = 0;
  while (got < max) {
    const { bytesRead } = await fh.read(buf, got, max - got, got);
    if (!bytesRead) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

/** Copy every byte from one descriptor to another. */
export async function copyFd(src: FileHandle, dst: FileHandle): Promise<number> {
  const buf = Buffer.alloc(1 << 16);
  let pos = 0;
  for (;;) {
    const { bytesRead } = await src.read(buf, 0, buf.length, pos);
    if (!bytesRead) break;
    await dst.write(buf, 0, bytesRead, pos);
    pos += bytesRead;
  }
  return pos;
}
