// One bundle for every panel, in VS Code webviews and in the browser studio. The host page says which panel
// (`data-panel`) and which host (`data-host`); panels never know which transport they use.
import { mount } from 'svelte';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import System from './panels/system/System.svelte';
import { createHttpClient } from './client/http';
import { createVsCodeClient } from './client/vscode';
import type { PanelClient } from './client/types';

const panels = { system: System } as const;

function browserClient(): PanelClient {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    sessionStorage.setItem('agentora-token', fromUrl);
    history.replaceState(null, '', location.pathname); // keep the token out of history and screenshots
  }
  return createHttpClient(location.origin, sessionStorage.getItem('agentora-token') ?? '');
}

const body = document.body;
const client = body.dataset.host === 'vscode' ? createVsCodeClient() : browserClient();
const name = (body.dataset.panel ?? 'system') as keyof typeof panels;
mount(panels[name] ?? System, { target: document.getElementById('app')!, props: { client } });
