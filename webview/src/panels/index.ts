// The panel registry: one entry per sidebar view in VS Code and per tab in the browser studio.
import type { Component } from 'svelte';
import type { PanelClient } from '../client/types';
import System from './system/System.svelte';
import Missions from './missions/Missions.svelte';
import Actions from './actions/Actions.svelte';
import Memory from './memory/Memory.svelte';
import Chat from './chat/Chat.svelte';
import Workers from './workers/Workers.svelte';
import BranchSet from './branchset/BranchSet.svelte';
import Runs from './runs/Runs.svelte';
import Workflows from './workflows/Workflows.svelte';
import Personas from './personas/Personas.svelte';
import Audit from './audit/Audit.svelte';

export interface PanelEntry {
  id: string;
  title: string;
  /** codicon name, without the `codicon-` prefix */
  icon: string;
  component: Component<{ client: PanelClient }>;
}

export const PANELS: readonly PanelEntry[] = [
  { id: 'system', title: 'System', icon: 'pulse', component: System },
  { id: 'missions', title: 'Missions', icon: 'rocket', component: Missions },
  { id: 'actions', title: 'Actions', icon: 'shield', component: Actions },
  { id: 'memory', title: 'Memory', icon: 'database', component: Memory },
  { id: 'chat', title: 'Chat', icon: 'comment-discussion', component: Chat },
  { id: 'workers', title: 'Workers', icon: 'server', component: Workers },
  { id: 'branchset', title: 'Branch Set', icon: 'git-branch', component: BranchSet },
  { id: 'runs', title: 'Runs', icon: 'organization', component: Runs },
  { id: 'workflows', title: 'Workflows', icon: 'type-hierarchy', component: Workflows },
  { id: 'personas', title: 'Personas', icon: 'organization', component: Personas },
  { id: 'audit', title: 'Audit', icon: 'law', component: Audit },
];

export function panelById(id: string | undefined): PanelEntry {
  return PANELS.find((p) => p.id === id) ?? PANELS[0]!;
}
