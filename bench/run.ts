// `npm run bench`: every benchmark in this folder, one after the other, each in its own process so one's heap
// and timers never skew the next. Budgets are in ../shared/design/performance.md; these print the figures.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const only = process.argv.slice(2);
const benches = [
  'quick',
  'missions-fake',
  'missions-analytics',
  'missions-personas',
  'memory',
  'actions',
  'bridges',
  'chat',
  'workflows',
  'teams',
  'workers',
].filter((b) => existsSync(path.join(__dirname, `${b}.ts`)) && (only.length === 0 || only.includes(b)));
let failed = 0;
for (const b of benches) {
  console.log(`\n=== bench/${b}.ts ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, `${b}.ts`)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
