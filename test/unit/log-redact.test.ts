// Log lines never carry secrets (issue 10, defect 6): bearer tokens, token= query values, key/secret fields and
// the secret values the server knows are masked before a line reaches stderr or the editor's output channel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, redact } from '../../server/src/log';

test('redact masks bearer tokens, token query values, key fields and known secret values', () => {
  assert.equal(redact('GET /?token=abcDEF123_-x HTTP/1.1'), 'GET /?token=*** HTTP/1.1');
  assert.equal(redact('Authorization: Bearer abcdefghijklmnop'), 'Authorization: Bearer ***');
  assert.equal(redact('{"apiKey":"sk-123456789","model":"llama3.2"}'), '{"apiKey":"***","model":"llama3.2"}');
  assert.equal(redact('AGENTORA_PHIOS_API_KEY=hunter2hunter2'), 'AGENTORA_PHIOS_API_KEY=***');
  assert.equal(redact('connected with s3cr3t-value-xyz to phios', ['s3cr3t-value-xyz']), 'connected with *** to phios');
  assert.equal(redact('HTTP API listening on http://127.0.0.1:8088'), 'HTTP API listening on http://127.0.0.1:8088');
});

test('the logger sends level and bare text to its sink, honours a live level, and masks secrets', () => {
  const lines: [string, string][] = [];
  let level: 'info' | 'debug' = 'info';
  const log = createLogger(() => level, { sink: (lvl, msg) => lines.push([lvl, msg]), secrets: () => ['the-token-value-123'] });
  log.debug('hidden at info');
  log.warn('request with the-token-value-123 refused');
  level = 'debug';
  log.debug('shown at debug');
  assert.deepEqual(lines, [
    ['warn', 'request with *** refused'],
    ['debug', 'shown at debug'],
  ]);
});
