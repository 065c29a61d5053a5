import { readFileSync, writeFileSync } from 'node:fs';
import { allSettings } from '../server/src/config';
const pkg = JSON.parse(readFileSync('package.json','utf8'));
const props = pkg.contributes.configuration.properties;
for (const s of allSettings as any) {
  if (s.secret || s.standaloneOnly) continue;
  const d = s.default;
  const type = Array.isArray(d) ? 'array' : typeof d === 'boolean' ? 'boolean' : typeof d === 'number' ? 'number' : 'string';
  props['agentora.' + s.key] = { type, default: d, description: `${s.description} (env: ${s.env})`, ...(type==='array'?{items:{type:'string'}}:{}) };
}
writeFileSync('package.json', JSON.stringify(pkg, null, 2) + '\n');
