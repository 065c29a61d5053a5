// Writes .env.example from the settings declarations (test/unit/manifest.test.ts checks it stays complete).
import { writeFileSync } from 'node:fs';
import { allSettings } from '../server/src/config';

const lines = [
  '# Agentora configuration. Copy to .env (or set in the environment). Environment wins over .env;',
  '# inside VS Code the same settings exist as agentora.* (API keys in SecretStorage).',
  '',
];
for (const s of allSettings) {
  const v = Array.isArray(s.default) ? (s.default as string[]).join(',') : String(s.default);
  lines.push(`# ${s.description}${s.secret ? ' (secret: environment or VS Code SecretStorage only)' : ''}`, `${s.env}=${v}`, '');
}
lines.push(
  '# Not used any more: the Streamlit UI of the earlier product is replaced by the VS Code panels and the',
  '# browser studio (`agentora serve`). Kept so old .env files still parse.',
  '# AGENTORA_STREAMLIT_MODE=http',
  '',
);
writeFileSync('.env.example', lines.join('\n'));
