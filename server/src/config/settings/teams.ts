// Team runs settings.
import { enumSetting, setting } from '../define';

export const teamsSettings = [
  setting({
    key: 'teams.onRestart',
    env: 'AGENTORA_TEAMS_ON_RESTART',
    schema: enumSetting(['resume', 'interrupt'] as const),
    default: 'resume',
    description:
      'What the server does with team runs a previous server left unfinished (queued, running or waiting for an approval): resume them from their last completed step, or mark them interrupted with the reason.',
  }),
] as const;
