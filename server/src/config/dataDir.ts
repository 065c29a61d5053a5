// The data dir holds the database (every mission, memory and audit row) and the API token: only the user who
// runs Agentora may read it. The folder is created 0700 and its files 0600, whatever the process umask; a folder
// or file someone loosened is tightened again on start.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const tighten = (p: string, mode: number) => {
  if ((statSync(p).mode & 0o777) !== mode) chmodSync(p, mode);
};

/** Create the data dir 0700 (parents as the umask says: they are not ours), or tighten it if it exists. */
export function prepareDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Never chmod a home directory someone pointed AGENTORA_DATA_DIR at: that is not Agentora's to decide.
  if (path.resolve(dir) !== path.resolve(os.homedir())) tighten(dir, 0o700);
}

/**
 * Make sure `file` exists with mode 0600 before anything writes into it. SQLite creates its `-wal` and `-shm`
 * files with the database file's mode, so creating the database 0600 first keeps those private too.
 */
export function privateFile(file: string): string {
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  tighten(file, 0o600);
  for (const side of [`${file}-wal`, `${file}-shm`]) if (existsSync(side)) tighten(side, 0o600);
  return file;
}
