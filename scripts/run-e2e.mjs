// Runs each e2e file (a real code-server per file) and gives a failing file one more run, the way Playwright's
// `retries: 1` does: a real editor under load has timing flakes that say nothing about Agentora, but a file
// that fails twice fails the run. Every retry is printed, so a flaky test stays visible.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const dir = path.join(import.meta.dirname, '..', 'test', 'e2e');
const files = process.argv.slice(2).length ? process.argv.slice(2) : readdirSync(dir).filter((f) => f.endsWith('.test.ts')).sort().map((f) => path.join(dir, f));
const run = (f) => spawnSync(process.execPath, ['--import', 'tsx', '--test', f], { stdio: 'inherit' }).status === 0;
const failed = [];
const flaky = [];
for (const f of files) {
  if (run(f)) continue;
  console.log(`\n# e2e RETRY: ${path.basename(f)} failed; running it once more`);
  if (run(f)) flaky.push(path.basename(f));
  else failed.push(path.basename(f));
}
if (flaky.length) console.log(`# e2e flaky (passed on retry): ${flaky.join(', ')}`);
if (failed.length) console.log(`# e2e FAILED twice: ${failed.join(', ')}`);
console.log(`# e2e files: ${files.length}, passed: ${files.length - failed.length}, flaky: ${flaky.length}`);
process.exit(failed.length ? 1 : 0);
