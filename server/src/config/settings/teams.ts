// Team runs settings.
import { enumSetting, intSetting, setting } from '../define';

export const teamsSettings = [
  setting({
    key: 'teams.onRestart',
    env: 'AGENTORA_TEAMS_ON_RESTART',
    schema: enumSetting(['resume', 'interrupt'] as const),
    default: 'resume',
    description:
      'What the server does with team runs a previous server left unfinished (queued, running or waiting for an approval): resume them from their last completed step, or mark them interrupted with the reason.',
  }),
  setting({
    key: 'teams.liveLogRetentionMinutes',
    env: 'AGENTORA_TEAMS_LIVE_LOG_RETENTION_MINUTES',
    schema: intSetting(0, 43200),
    default: 60,
    description:
      "How long a finished run's live-event log is kept (minutes after it ended) so a stream that connects late or reconnects can replay it; then it is deleted. The run's trace, messages and report are kept.",
  }),
] as const;
