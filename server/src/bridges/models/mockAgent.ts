// The mock provider's agent side: when a request offers tools, a mock agent uses them the way a small real
// model would, so approvals and observations can be tried with nothing installed. A subgoal that asks to write
// a file ("write the summary to notes.txt") makes the subgoal whose deliverable is that file call desktop_write_text once; after the
// observation comes back it answers in words, quoting what it observed (a deny reads as a deny).
import type { ChatRequest, ToolCall } from './types';

export function mockAgentTurn(req: ChatRequest): { content: string; toolCalls?: ToolCall[] } | null {
  if (!req.tools?.length) return null;
  const last = req.messages.at(-1);
  if (last?.role === 'tool') {
    return { content: `Tool ${last.tool_name ?? ''} answered: ${last.content.slice(0, 300)}. My subgoal is done with that result.` };
  }
  const offered = new Set(req.tools.map((t) => t.function.name));
  const task = [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const file = /\b(?:write|save)\b[^\n]*?\bto\s+([\w./-]+\.\w+)/i.exec(task)?.[1];
  // Only the subgoal whose deliverable is the file writes it (the others gather or review).
  if (file && offered.has('desktop_write_text') && /^Deliverable: (file|code)\b/m.test(task)) {
    const goal = /Team goal: (.*)/.exec(task)?.[1] ?? 'the goal';
    return {
      content: `I will write the result to ${file}.`,
      toolCalls: [{ function: { name: 'desktop_write_text', arguments: { path: file, content: `Summary for: ${goal}\n` } } }],
    };
  }
  return null;
}

/**
 * A mock reviewer (schema titled `agentora.critique`): accepts, except that a goal with `mock:revise` gets its
 * first draft of each subgoal sent back once (a revision is never reviewed again), so the careful path can be
 * tried with nothing installed.
 */
export function mockCritique(req: ChatRequest): string | null {
  if (!req.format || req.format === 'json' || (req.format as { title?: string }).title !== 'agentora.critique') return null;
  const task = req.messages.at(-1)?.content ?? '';
  const revise = /mock:revise/.test(task);
  return JSON.stringify(
    revise
      ? { verdict: 'revise', feedback: 'Mock review: say which sources you used, then give the result again.' }
      : { verdict: 'accept', feedback: 'Mock review: the deliverable answers the subgoal.' },
  );
}

/** A mock author asked to revise answers with its draft, revised (so two subgoals' revisions differ as their drafts do). */
export function mockRevision(req: ChatRequest): string | null {
  const last = req.messages.at(-1);
  if (last?.role !== 'user' || !/sent your deliverable back:/.test(last.content)) return null;
  const draft = [...req.messages].reverse().find((m) => m.role === 'assistant')?.content ?? '';
  return `Revised after review. ${draft.slice(0, 400)}`;
}
