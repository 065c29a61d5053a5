// Chat area contract: sessions (a message tree per session), streaming turns as jobs, memory use per turn,
// "Remember this", end-of-session memory proposals, export. Tokens reach clients as `agentora/chat/didToken`
// notifications (LSP in VS Code, SSE `/api/events` or `/api/chat/sessions/{id}/stream` in the studio).
import { z } from 'zod';
import { defineMethod, defineNotification, pagination, zInt, zNum } from './define';

export const MemoryMode = z.enum(['off', 'read', 'read_write']);
export type MemoryMode = z.infer<typeof MemoryMode>;
export const MessageStatus = z.enum(['complete', 'streaming', 'stopped', 'interrupted', 'error']);
export type MessageStatus = z.infer<typeof MessageStatus>;

const Id = zInt.pipe(z.number().int().min(1));
const Title = z.string().trim().min(1, 'must not be empty').max(200);
const ModelName = z.string().trim().min(1).max(200);
const SystemPrompt = z.string().max(20000);
const Temperature = zNum.pipe(z.number().min(0).max(2));
const NumCtx = zInt.pipe(z.number().int().min(256).max(1_048_576));

export const Session = z.object({
  session_id: z.number().int(),
  title: z.string(),
  /** null: the server's default chat model. */
  model: z.string().nullable(),
  system_prompt: z.string(),
  temperature: z.number().nullable(),
  num_ctx: z.number().int().nullable(),
  memory_mode: MemoryMode,
  active_leaf_id: z.number().int().nullable(),
  message_count: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
  ended_at: z.string().nullable(),
  deleted_at: z.string().nullable(),
  /** An answer is being streamed right now. */
  streaming: z.boolean(),
});
export type Session = z.infer<typeof Session>;

export const UsedMemory = z.object({
  capsule_id: z.number().int(),
  text: z.string(),
  score: z.number(),
  /** The retrieval's score breakdown (text, vector, fusion, recency, trust, …): the "why". */
  breakdown: z.record(z.string(), z.unknown()),
  reason: z.string(),
});

export const Attachment = z.object({
  path: z.string().max(2000),
  language: z.string().max(100),
  /** 1-based inclusive lines of the selection; absent for a whole file. */
  start_line: zInt.pipe(z.number().int().min(1)).optional(),
  end_line: zInt.pipe(z.number().int().min(1)).optional(),
  text: z.string().max(200_000),
});
export type Attachment = z.infer<typeof Attachment>;

export const Message = z.object({
  message_id: z.number().int(),
  session_id: z.number().int(),
  parent_id: z.number().int().nullable(),
  role: z.enum(['user', 'assistant', 'system']),
  content: z.string(),
  status: MessageStatus,
  model: z.string().nullable(),
  prompt_eval_count: z.number().int().nullable(),
  eval_count: z.number().int().nullable(),
  error: z.string().nullable(),
  fix_hint: z.string().nullable(),
  attachment: Attachment.nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  /** Every message with the same parent (this one included), oldest first: the branches at this turn. */
  sibling_ids: z.array(z.number().int()),
  context_id: z.number().int().nullable(),
  /** Memories admitted into this turn's context (assistant messages). */
  memories: z.array(UsedMemory),
});
export type Message = z.infer<typeof Message>;

export const Proposal = z.object({
  proposal_id: z.number().int(),
  session_id: z.number().int(),
  message_id: z.number().int().nullable(),
  text: z.string(),
  status: z.enum(['open', 'accepted', 'rejected']),
  capsule_id: z.number().int().nullable(),
  created_at: z.string(),
});

export const SessionDetail = z.object({
  ok: z.boolean(),
  session: Session,
  /** The active branch, root first. */
  messages: z.array(Message),
  proposals: z.array(Proposal),
});
export type SessionDetail = z.infer<typeof SessionDetail>;

const SessionParam = { session_id: Id };
const SessionResult = z.object({ ok: z.boolean(), session: Session });

// ---------------------------------------------------------------- sessions

export const CreateSessionParams = z.object({
  title: Title.default('New chat'),
  model: ModelName.optional(),
  system_prompt: SystemPrompt.default(''),
  memory_mode: MemoryMode.default('read'),
  temperature: Temperature.optional(),
  num_ctx: NumCtx.optional(),
});
export const createSession = defineMethod({
  method: 'agentora/chat/createSession',
  description: 'Start a chat session with a model, system prompt, options and memory mode.',
  params: CreateSessionParams.default({ title: 'New chat', system_prompt: '', memory_mode: 'read' }),
  result: SessionResult,
  rest: { verb: 'POST', path: '/api/chat/sessions', status: 201 },
  scope: 'agent',
});

export const ListSessionsParams = z.object({ q: z.string().trim().max(200).optional(), ...pagination(50, 200) }).default({ limit: 50, offset: 0 });
export const listSessions = defineMethod({
  method: 'agentora/chat/listSessions',
  description: 'Sessions, newest first; `q` searches titles and message contents (full text).',
  params: ListSessionsParams,
  result: z.object({ ok: z.boolean(), items: z.array(Session), total: z.number().int() }),
  rest: { verb: 'GET', path: '/api/chat/sessions' },
  scope: 'agent',
  readOnly: true,
});

export const getSession = defineMethod({
  method: 'agentora/chat/getSession',
  description: 'A session with the messages of its active branch, each with its siblings and the memories it used.',
  params: z.object(SessionParam),
  result: SessionDetail,
  rest: { verb: 'GET', path: '/api/chat/sessions/:session_id' },
  scope: 'agent',
  readOnly: true,
});

export const updateSession = defineMethod({
  method: 'agentora/chat/updateSession',
  description: 'Rename a session or change its model, system prompt, options or memory mode (null clears an option).',
  params: z.object({
    ...SessionParam,
    title: Title.optional(),
    model: ModelName.nullable().optional(),
    system_prompt: SystemPrompt.optional(),
    memory_mode: MemoryMode.optional(),
    temperature: Temperature.nullable().optional(),
    num_ctx: NumCtx.nullable().optional(),
  }),
  result: SessionResult,
  rest: { verb: 'PATCH', path: '/api/chat/sessions/:session_id' },
  scope: 'agent',
});

export const deleteSession = defineMethod({
  method: 'agentora/chat/deleteSession',
  description: 'Delete a session. It disappears at once and can be restored until `undo_until`; then it is purged.',
  params: z.object(SessionParam),
  result: z.object({ ok: z.boolean(), session_id: z.number().int(), undo_until: z.string() }),
  rest: { verb: 'DELETE', path: '/api/chat/sessions/:session_id' },
});

export const restoreSession = defineMethod({
  method: 'agentora/chat/restoreSession',
  description: 'Undo a delete within the undo window.',
  params: z.object(SessionParam),
  result: SessionResult,
  rest: { verb: 'POST', path: '/api/chat/sessions/:session_id/restore' },
});

export const exportSession = defineMethod({
  method: 'agentora/chat/exportSession',
  description: 'The active branch of a session as Markdown or as JSON (the session detail).',
  params: z.object({ ...SessionParam, format: z.enum(['markdown', 'json']).default('markdown') }),
  result: z.object({ ok: z.boolean(), format: z.enum(['markdown', 'json']), filename: z.string(), content: z.string() }),
  rest: { verb: 'GET', path: '/api/chat/sessions/:session_id/export' },
  scope: 'agent',
  readOnly: true,
});

// ---------------------------------------------------------------- turns

export const SendParams = z.object({
  ...SessionParam,
  content: z.string().trim().min(1, 'must not be empty').max(100_000),
  /**
   * The message this one answers to. Omitted: the end of the active branch. Edit-and-resend passes the edited
   * message's parent, so the edit becomes a new branch beside the old one.
   */
  parent_id: Id.nullable().optional(),
  attachment: Attachment.optional(),
});
export const TurnResult = z.object({
  ok: z.boolean(),
  session_id: z.number().int(),
  user_message_id: z.number().int().nullable(),
  assistant_message_id: z.number().int(),
});
export const send = defineMethod({
  method: 'agentora/chat/send',
  description: 'Send a user message. Answers at once with the ids; the answer streams as `agentora/chat/didToken`.',
  params: SendParams,
  result: TurnResult,
  rest: { verb: 'POST', path: '/api/chat/sessions/:session_id/messages', status: 202 },
  scope: 'agent',
});

export const regenerate = defineMethod({
  method: 'agentora/chat/regenerate',
  description: 'Answer a user message again (or the user message before an assistant message); the old answer stays as a branch.',
  params: z.object({ ...SessionParam, message_id: Id }),
  result: TurnResult,
  rest: { verb: 'POST', path: '/api/chat/sessions/:session_id/messages/:message_id/regenerate', status: 202 },
  scope: 'agent',
});

export const stop = defineMethod({
  method: 'agentora/chat/stop',
  description: 'Stop the answer being streamed in a session (the request to the model is cancelled; the partial answer is kept).',
  params: z.object(SessionParam),
  result: z.object({ ok: z.boolean(), stopped: z.array(z.number().int()) }),
  rest: { verb: 'POST', path: '/api/chat/sessions/:session_id/stop' },
  scope: 'agent',
});

export const selectBranch = defineMethod({
  method: 'agentora/chat/selectBranch',
  description: 'Show the branch through this message (its newest descendants).',
  params: z.object({ ...SessionParam, message_id: Id }),
  result: SessionDetail,
  rest: { verb: 'POST', path: '/api/chat/sessions/:session_id/branch' },
  scope: 'agent',
});

// ---------------------------------------------------------------- memory

export const remember = defineMethod({
  method: 'agentora/chat/remember',
  description: '"Remember this": a memory (source `chat`) from a message, with lineage to it (`source_ref` chat:<session>/<message>).',
  params: z.object({ message_id: Id, text: z.string().trim().min(1).max(20000).optional() }),
  result: z.object({ ok: z.boolean(), capsule_id: z.number().int(), duplicate_of: z.number().int().nullable() }),
  rest: { verb: 'POST', path: '/api/chat/messages/:message_id/remember', status: 201 },
  scope: 'agent',
});

export const endSession = defineMethod({
  method: 'agentora/chat/endSession',
  description: 'End a session. In read+write memory mode it proposes memories for review (never writes them itself).',
  params: z.object(SessionParam),
  result: z.object({ ok: z.boolean(), session: Session, proposals: z.array(Proposal) }),
  rest: { verb: 'POST', path: '/api/chat/sessions/:session_id/end' },
});

export const decideProposal = defineMethod({
  method: 'agentora/chat/decideProposal',
  description: 'Accept (creates the memory) or reject a memory proposed by a session.',
  params: z.object({ proposal_id: Id, decision: z.enum(['accept', 'reject']), text: z.string().trim().min(1).max(20000).optional() }),
  result: z.object({ ok: z.boolean(), proposal: Proposal }),
  rest: { verb: 'POST', path: '/api/chat/proposals/:proposal_id' },
});

// ---------------------------------------------------------------- editor

export const insertAtCursor = defineMethod({
  method: 'agentora/chat/insertAtCursor',
  description:
    "Ask the connected editor to insert code at its cursor (a code block's Insert at Cursor). `delivered` is false when no editor listens.",
  params: z.object({ code: z.string().min(1).max(1_000_000) }),
  result: z.object({ ok: z.boolean(), delivered: z.boolean() }),
});

// ---------------------------------------------------------------- notifications

export const didToken = defineNotification({
  name: 'agentora/chat/didToken',
  description: 'A piece of an answer as it streams (seq starts at 1 per message).',
  payload: z.object({ session_id: z.number().int(), message_id: z.number().int(), seq: z.number().int(), delta: z.string() }),
  hot: true,
});

export const didMessage = defineNotification({
  name: 'agentora/chat/didMessage',
  description: 'A message started, finished, stopped or failed (status, counts, error with fix hint).',
  payload: z.object({
    session_id: z.number().int(),
    message_id: z.number().int(),
    status: MessageStatus,
    prompt_eval_count: z.number().int().nullable(),
    eval_count: z.number().int().nullable(),
    error: z.string().nullable(),
    fix_hint: z.string().nullable(),
  }),
});

export const didChange = defineNotification({
  name: 'agentora/chat/didChange',
  description: 'The session list changed (created, renamed, deleted, restored).',
  payload: z.object({ session_id: z.number().int(), reason: z.string() }),
});

export const didRequestInsert = defineNotification({
  name: 'agentora/chat/didRequestInsert',
  description: 'A panel asked to insert code at the editor cursor (the VS Code extension does it).',
  payload: z.object({ code: z.string() }),
});

export const chatMethods = [
  createSession,
  listSessions,
  getSession,
  updateSession,
  deleteSession,
  restoreSession,
  exportSession,
  send,
  regenerate,
  stop,
  selectBranch,
  remember,
  endSession,
  decideProposal,
  insertAtCursor,
] as const;
export const chatNotifications = [didToken, didMessage, didChange, didRequestInsert] as const;
