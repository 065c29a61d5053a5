// `node scripts/run-with-retry.mjs <test dir>`: runs each test file of a real-browser suite (test/browser: the
// studio in Chromium; test/e2e: a code-server per file) and gives a failing file one more run, the way
// Playwright's `retries: 1` does. A real browser or editor under load has timing flakes that say nothing about
// Agentora, but a file that fails twice fails the run. Every retry is printed, so a flaky test stays visible.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const dir = path.resolve(process.argv[2] ?? 'test/e2e');
const suite = path.basename(dir);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.test.ts'))
  .sort()
  .map((f) => path.join(dir, f));
const run = (f) => spawnSync(process.execPath, ['--import', 'tsx', '--test', f], { stdio: 'inherit' }).status === 0;
const failed = [];
const flaky = [];
for (const f of files) {
  if (run(f)) continue;
  console.log(`\n# ${suite} RETRY: ${path.basename(f)} failed; running it once more`);
  if (run(f)) flaky.push(path.basename(f));
  else failed.push(path.basename(f));
}
if (flaky.length) console.log(`# ${suite} flaky (passed on retry): ${flaky.join(', ')}`);
if (failed.length) console.log(`# ${suite} FAILED twice: ${failed.join(', ')}`);
console.log(`# ${suite} files: ${files.length}, passed: ${files.length - failed.length}, flaky: ${flaky.length}`);
process.exit(failed.length ? 1 : 0);
