// The pure parts of workflows: the run state machine, next-step selection, retry / backoff, replay selection,
// template rendering, and the definition checks (400 naming step and field).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../server/src/protocol/errors';
import { StepSpec } from '../../server/src/protocol/workflows';
import {
  backoffSeconds,
  canTransition,
  mayRetry,
  nextStep,
  replaySelection,
  RUN_TRANSITIONS,
} from '../../server/src/services/workflows/stateMachine';
import { referencesIn, render } from '../../server/src/services/workflows/templates';
import { checkDefinition, checkInputs } from '../../server/src/services/workflows/definitions';

const steps = (...statuses: string[]) => statuses.map((status, i) => ({ position: i + 1, status }) as { position: number; status: never });

describe('workflow state machine', () => {
  test('waiting_approval never goes straight to completed; terminal states stay terminal (failed only via operator retry)', () => {
    assert.equal(canTransition('waiting_approval', 'completed'), false);
    assert.equal(canTransition('waiting_approval', 'running'), true);
    assert.equal(canTransition('paused', 'completed'), false);
    assert.deepEqual(RUN_TRANSITIONS.completed, []);
    assert.deepEqual(RUN_TRANSITIONS.cancelled, []);
    assert.deepEqual(RUN_TRANSITIONS.failed, ['running']);
  });

  test('next step: the first unsettled by position; settled = done, skipped, reused, failed', () => {
    assert.equal(nextStep(steps('done', 'skipped', 'pending', 'pending'))?.position, 3);
    assert.equal(nextStep(steps('reused', 'waiting_approval', 'pending'))?.position, 2);
    assert.equal(nextStep(steps('done', 'failed', 'retry_wait'))?.position, 3);
    assert.equal(nextStep(steps('done', 'done')), null);
    assert.equal(nextStep([...steps('done', 'pending')].reverse())?.position, 2);
  });

  test('retries are bounded and back off exponentially (capped at 5 minutes)', () => {
    assert.deepEqual(
      [1, 2, 3].map((a) => mayRetry(a, 2)),
      [true, true, false],
    );
    assert.equal(mayRetry(1, 0), false);
    assert.deepEqual(
      [1, 2, 3, 4].map((a) => backoffSeconds(0.5, a)),
      [0.5, 1, 2, 4],
    );
    assert.equal(backoffSeconds(10, 20), 300);
    assert.equal(backoffSeconds(0, 3), 0);
  });

  test('replay selection: steps before from_step are reused, the rest re-run; a step with no outcome is refused', () => {
    const sel = replaySelection(steps('done', 'reused', 'done', 'done'), 3);
    assert.deepEqual(
      sel.reuse.map((s) => s.position),
      [1, 2],
    );
    assert.deepEqual(
      sel.rerun.map((s) => s.position),
      [3, 4],
    );
    assert.equal(sel.missing, null);
    assert.equal(replaySelection(steps('done', 'failed', 'pending'), 3).missing, 2);
    assert.equal(replaySelection(steps('failed', 'pending'), 1).missing, null, 'from step 1 reuses nothing');
  });
});

describe('templates', () => {
  const scope = { inputs: { topic: 'llamas', n: 3 }, steps: { outline: 'A, B', '1': 'A, B', fetch: { status: 200, body: { title: 'T' } } } };
  test('interpolates inputs and earlier outputs; a whole-string placeholder keeps the value type', () => {
    assert.equal(render('About {{ inputs.topic }}: {{steps.outline.output}}', scope), 'About llamas: A, B');
    assert.equal(render('{{inputs.n}}', scope), 3);
    assert.deepEqual(render({ a: ['{{steps.fetch.output.body}}'], b: 'x{{steps.fetch.output.status}}' }, scope), { a: [{ title: 'T' }], b: 'x200' });
    assert.equal(render('{{steps.1.output}}', scope), 'A, B');
    assert.equal(render('missing: [{{inputs.nope}}]', scope), 'missing: []');
    assert.equal(render('{{steps.js.output.k}}', { inputs: {}, steps: { js: '{"k": "v"}' } }), 'v', 'a JSON answer can be addressed into');
  });
  test('references name the field they sit in', () => {
    assert.deepEqual(
      referencesIn({ prompt: 'x {{inputs.a}}', fields: [{ value: '{{steps.s.output}}' }] }).map((r) => [r.field, r.ref.root, r.ref.key]),
      [
        ['prompt', 'inputs', 'a'],
        ['fields.0.value', 'steps', 's'],
      ],
    );
  });
});

describe('definition checks', () => {
  const schema = { type: 'object', properties: { topic: { type: 'string' } }, required: ['topic'] };
  const S = (s: unknown) => StepSpec.parse(s);
  const refused = (fn: () => void, path: RegExp) => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof AppError && err.kind === 'bad_request');
      assert.ok(
        err.issues?.some((i) => path.test(i.path)),
        JSON.stringify(err.issues),
      );
      return err.message;
    }
    assert.fail('not refused');
  };
  test('a reference to a later step, to itself, to a missing step, or to an undeclared input is refused', () => {
    const a = S({ name: 'a', step_type: 'model_call', params: { prompt: '{{steps.b.output}}' } });
    const b = S({ name: 'b', step_type: 'model_call', params: { prompt: '{{steps.a.output}}' } });
    assert.match(
      refused(() => checkDefinition(schema, [a, b]), /^steps\.0\.params\.prompt$/),
      /later step/,
    );
    assert.match(
      refused(
        () => checkDefinition(schema, [S({ name: 'a', step_type: 'model_call', params: { prompt: '{{steps.a.output}}' } })]),
        /steps\.0\.params\.prompt/,
      ),
      /own output/,
    );
    assert.match(
      refused(() => checkDefinition(schema, [S({ name: 'a', step_type: 'model_call', params: { prompt: '{{steps.zz.output}}' } })]), /steps\.0/),
      /does not exist/,
    );
    refused(
      () => checkDefinition(schema, [S({ name: 'a', step_type: 'model_call', params: { prompt: '{{inputs.other}}' } })]),
      /steps\.0\.params\.prompt/,
    );
    refused(
      () =>
        checkDefinition(schema, [
          S({ step_type: 'model_call', params: { prompt: 'x' } }),
          S({ name: 'step_1', step_type: 'model_call', params: { prompt: 'y' } }),
        ]),
      /steps\.1\.name/,
    );
    refused(() => checkDefinition(schema, [S({ name: 'a', step_type: 'tool', tool_name: 'memory_search', params: {} })]), /steps\.0\.params\.query/);
    checkDefinition(schema, [
      S({ name: 'a', step_type: 'model_call', params: { prompt: '{{inputs.topic}}' } }),
      S({ name: 'b', step_type: 'model_call', params: { prompt: '{{steps.a.output}} {{steps.1.output}}' } }),
      S({ name: 'g', step_type: 'approval_gate' }),
    ]);
  });
  test('inputs are validated against the JSON schema at run (400 naming inputs.<field>)', () => {
    refused(() => checkInputs(schema, {}), /^inputs\.topic$/);
    refused(() => checkInputs(schema, { topic: 5 }), /^inputs\.topic$/);
    assert.deepEqual(checkInputs(schema, { topic: 'x' }), { topic: 'x' });
    refused(() => checkDefinition({ type: 'object', properties: { a: { type: 'bogus' } } }, []), /^params_schema$/);
  });
});
