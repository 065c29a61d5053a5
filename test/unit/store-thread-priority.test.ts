import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/** A thread's nice value as the kernel reports it (field 19 of /proc/<pid>/task/<tid>/stat). */
const niceOf = (tid: number) => {
  const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
};

test('a background thread lowers its own priority, never the event loop’s', { skip: process.platform !== 'linux' }, async () => {
  const before = os.getPriority();
  const source = path.join(__dirname, '../../server/src/store/threadPriority.ts');
  const w = new Worker(
    `require('tsx/cjs'); const p = require(${JSON.stringify(source)}); p.runInBackground();
     const { parentPort } = require('node:worker_threads'); parentPort.postMessage(p.threadId()); parentPort.once('message', () => process.exit(0));`,
    { eval: true },
  );
  const tid = await new Promise<number>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  try {
    assert.notEqual(tid, process.pid);
    assert.equal(niceOf(tid), 10, 'the background thread runs at nice 10');
    assert.equal(niceOf(process.pid), before, 'the event loop thread keeps its priority');
    assert.equal(os.getPriority(), before);
  } finally {
    w.postMessage('stop');
    await new Promise((r) => w.once('exit', r));
  }
});
