// Workflows and Operator Mode (issue 14).
import { intSetting, setting } from '../define';

export const workflowSettings = [
  setting({
    key: 'workflows.operatorMaxStepRetries',
    env: 'AGENTORA_OPERATOR_MAX_STEP_RETRIES',
    schema: intSetting(0, 100),
    default: 3,
    description: 'How many times an operator may retry one failed workflow step (retry-step) before it is refused.',
  }),
] as const;
