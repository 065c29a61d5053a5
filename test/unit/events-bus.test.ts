// The event bus: payloads are checked against their notification's schema (unknown keys stripped, a bad payload
// throws) except `hot` ones (one per streamed token; tested against their schema in
// test/server/chat-stream-framing.test.ts); the JSON text of a payload is made once and shared by every listener.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { EventBus } from '../../server/src/events';
import { defineNotification } from '../../server/src/protocol/define';
import { didToken } from '../../server/src/protocol/chat';

const checked = defineNotification({ name: 'agentora/test/didCheck', description: 'test', payload: z.object({ n: z.number() }) });
const hot = defineNotification({ name: 'agentora/test/didHot', description: 'test', payload: z.object({ n: z.number() }), hot: true });

test('a normal notification is parsed: unknown keys stripped, a bad payload throws before any listener sees it', () => {
  const bus = new EventBus();
  const seen: unknown[] = [];
  bus.subscribe((_name, p) => seen.push(p));
  bus.emit(checked, { n: 1, extra: 'x' } as never);
  assert.deepEqual(seen, [{ n: 1 }]);
  assert.throws(() => bus.emit(checked, { n: 'no' } as never));
  assert.equal(seen.length, 1);
});

test('a hot notification reaches listeners as emitted (not re-parsed); didToken is hot', () => {
  const bus = new EventBus();
  const seen: unknown[] = [];
  bus.subscribe((_name, p) => seen.push(p));
  const payload = { n: 2 };
  bus.emit(hot, payload);
  assert.equal(seen[0], payload);
  assert.equal(didToken.hot, true);
});

test('the JSON text of an event is made once, whoever asks, and matches the payload', () => {
  const bus = new EventBus();
  let stringified = 0;
  const payload = { n: 3, toJSON: undefined as unknown };
  // toJSON runs once per JSON.stringify of the payload: it counts how often the bus serialises it.
  payload.toJSON = () => (stringified++, { n: 3 });
  const texts: string[] = [];
  bus.subscribe((_name, _p, json) => texts.push(json()));
  bus.subscribe((_name, _p, json) => texts.push(json(), json()));
  bus.subscribe(() => undefined); // a listener that never asks costs nothing
  bus.emit(hot, payload as never);
  assert.deepEqual(texts, ['{"n":3}', '{"n":3}', '{"n":3}']);
  assert.equal(stringified, 1);
});

test('a throwing listener does not stop the others', () => {
  const bus = new EventBus();
  const seen: string[] = [];
  bus.subscribe(() => {
    throw new Error('closed stream');
  });
  bus.subscribe((name) => seen.push(name));
  bus.emit(checked, { n: 1 });
  assert.deepEqual(seen, ['agentora/test/didCheck']);
});
