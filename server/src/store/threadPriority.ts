// Background threads (compaction, pattern derivation, the doctor's integrity check) run at a lower CPU priority
// than the event loop. On 2 cores such a thread competes with the thread answering requests; at equal priority the
// kernel shares a core between them and a request waits for the thread's time slice. With nice 10 the scheduler
// gives the event loop about 9 of every 10 slices they contend for, and the thread still has every idle cycle.
// The compaction thread holds the write lock while it works, so at a low priority it can be kept off the CPU while
// the event loop waits for that lock (perf, session 10: runnable but waiting up to 38 ms inside a transaction,
// 17–23 ms at nice 0). Measured side by side (3 compaction runs each, docs/architecture.md) nice 0 made no
// difference to the requests, so it stays here too.
// Linux keeps a nice value per thread (setpriority with a thread id, see setpriority(2) "BUGS"); Node has no
// gettid, so the thread finds its own id in /proc/thread-self. Elsewhere this does nothing.
import { readlinkSync } from 'node:fs';
import os from 'node:os';

export const BACKGROUND_NICE = 10;

/** This thread's kernel id (Linux), or undefined. */
export function threadId(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/** Lower the calling thread's priority (never the process's): call it first thing in a background thread. */
export function runInBackground(nice = BACKGROUND_NICE): void {
  const tid = threadId();
  if (tid === undefined || tid === process.pid) return; // not a worker thread: leave the event loop alone
  try {
    os.setPriority(tid, nice);
  } catch {
    // Not permitted here (a container without CAP_SYS_NICE can still lower its own priority; if not, it runs as is).
  }
}
