// The extension's path for chat: the language server over stdio; tokens arrive as agentora/chat/didToken
// notifications on the same connection, in order; Insert at Cursor reaches the editor as a notification.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLspServer, type LspServer } from '../helpers/lsp';
import { until } from './chat-helpers';

let lsp: LspServer;
const tokens: { message_id: number; seq: number; delta: string }[] = [];
const finished: { message_id: number; status: string; eval_count: number | null }[] = [];
const inserts: { code: string }[] = [];

before(async () => {
  lsp = await startLspServer({ 'server.httpEnabled': false, 'models.useMock': true }, (c) => {
    c.onNotification('agentora/chat/didToken', (p: (typeof tokens)[number]) => tokens.push(p));
    c.onNotification('agentora/chat/didMessage', (p: (typeof finished)[number]) => finished.push(p));
    c.onNotification('agentora/chat/didRequestInsert', (p: (typeof inserts)[number]) => inserts.push(p));
  });
});
after(() => lsp?.stop());

test('a turn over the language server: ids at once, tokens as notifications in order, then the final message', async () => {
  const conn = lsp.conn;
  const { session } = (await conn.sendRequest('agentora/chat/createSession', { title: 'lsp', memory_mode: 'off' })) as {
    session: { session_id: number };
  };
  const t0 = performance.now();
  const r = (await conn.sendRequest('agentora/chat/send', {
    session_id: session.session_id,
    content: 'What does this function return?',
    attachment: { path: 'src/a.ts', language: 'typescript', start_line: 3, end_line: 4, text: 'function f() {\n  return 42;\n}' },
  })) as { assistant_message_id: number };
  assert.ok(performance.now() - t0 < 2000);
  const done = await until('the answer to finish', async () =>
    finished.find((f) => f.message_id === r.assistant_message_id && f.status === 'complete'),
  );
  const mine = tokens.filter((t) => t.message_id === r.assistant_message_id);
  assert.ok(mine.length > 1);
  assert.deepEqual(
    mine.map((t) => t.seq),
    mine.map((_, i) => i + 1),
  );
  const detail = (await conn.sendRequest('agentora/chat/getSession', { session_id: session.session_id })) as {
    messages: { content: string; attachment: { path: string } | null; eval_count: number | null }[];
  };
  assert.equal(detail.messages[1]!.content, mine.map((t) => t.delta).join(''));
  assert.equal(detail.messages[1]!.eval_count, done.eval_count);
  assert.equal(detail.messages[0]!.attachment?.path, 'src/a.ts');

  const ins = (await conn.sendRequest('agentora/chat/insertAtCursor', { code: 'const x = 1;' })) as { delivered: boolean };
  assert.equal(ins.delivered, true, 'a language server has an editor on the other end');
  await until('the insert notification', async () => inserts.find((i) => i.code === 'const x = 1;'));
});
