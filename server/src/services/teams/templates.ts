// Team templates shipped with Agentora. Each is a TeamDoc, so it goes through the same validation and
// creation path as an imported YAML file.
import type { TeamDoc } from './yaml';

export const TEMPLATES: Record<string, TeamDoc> = {
  code_review: {
    name: 'Code review',
    description: 'Reads the change, reviews it for bugs, risks and style, and a second reviewer checks the findings.',
    mode: 'careful',
    agents: [
      { name: 'Reader', role: 'researcher', system_prompt: 'You read the code under review and summarise what it changes and why.', tools: ['desktop_read_text', 'desktop_list_dir'], memory_mode: 'read', capabilities: { max_tool_steps: 4 } },
      { name: 'Reviewer', role: 'reviewer', system_prompt: 'You review code for correctness, security, performance and clarity. Cite lines.', tools: ['desktop_read_text'], memory_mode: 'read', capabilities: { max_tool_steps: 3, can_critique: true, confidence_weight: 0.8 } },
      { name: 'Verifier', role: 'verifier', system_prompt: 'You check each review finding against the code and drop the ones that do not hold.', tools: ['desktop_read_text'], memory_mode: 'none', capabilities: { max_tool_steps: 2, can_verify: true, can_critique: true, confidence_weight: 0.7 } },
    ],
  },
  bug_fix: {
    name: 'Bug fix',
    description: 'Reproduces the bug, finds the cause, proposes a minimal patch (through the approval queue) and verifies it.',
    mode: 'careful',
    agents: [
      { name: 'Investigator', role: 'researcher', system_prompt: 'You reproduce the reported bug and locate its cause.', tools: ['desktop_read_text', 'desktop_list_dir', 'desktop_shell'], memory_mode: 'read', capabilities: { max_tool_steps: 5 } },
      { name: 'Fixer', role: 'executor', system_prompt: 'You write the smallest change that fixes the cause, as a file edit for approval.', tools: ['desktop_read_text', 'desktop_write_text'], memory_mode: 'read', capabilities: { max_tool_steps: 4 } },
      { name: 'Tester', role: 'verifier', system_prompt: 'You verify the fix: rerun the reproduction and the tests.', tools: ['desktop_shell', 'desktop_read_text'], memory_mode: 'none', capabilities: { max_tool_steps: 3, can_verify: true, can_critique: true, confidence_weight: 0.7 } },
    ],
  },
  research_summary: {
    name: 'Research + summary',
    description: 'Gathers sources (web and memory) and writes a concise summary with citations.',
    mode: 'fast',
    agents: [
      { name: 'Researcher', role: 'researcher', system_prompt: 'You gather facts from memory and the web and note their sources.', tools: ['memory_search', 'browser_search', 'browser_extract_text'], memory_mode: 'read', capabilities: { max_tool_steps: 5 } },
      { name: 'Writer', role: 'writer', system_prompt: 'You write a clear summary of the findings, citing sources. Write files only when asked.', tools: ['desktop_write_text', 'memory_propose'], memory_mode: 'read_write', capabilities: { max_tool_steps: 2 } },
    ],
  },
  plan_execute_critique: {
    name: 'Plan, execute, critique',
    description: 'A planner breaks the goal down, an executor does each part, a critic sends weak work back once.',
    mode: 'careful',
    agents: [
      { name: 'Planner', role: 'planner', system_prompt: 'You break a goal into small subgoals with clear deliverables.', tools: ['memory_search'], memory_mode: 'read', capabilities: { max_tool_steps: 2, can_delegate: true } },
      { name: 'Executor', role: 'executor', system_prompt: 'You carry out one subgoal and produce its deliverable.', tools: ['desktop_read_text', 'desktop_write_text', 'memory_search'], memory_mode: 'read', capabilities: { max_tool_steps: 4 } },
      { name: 'Critic', role: 'critic', system_prompt: 'You judge each deliverable against its subgoal; say what is missing, or approve it.', tools: [], memory_mode: 'none', capabilities: { max_tool_steps: 1, can_critique: true, can_verify: true, confidence_weight: 0.8 } },
    ],
  },
};
