// One bundle for every panel, in VS Code webviews and in the browser studio. The host page says which panel
// (`data-panel`) and which host (`data-host`); panels never know which transport they use.
import { mount } from 'svelte';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import Studio from './Studio.svelte';
import { panelById } from './panels';
import { createHttpClient } from './client/http';
import { createVsCodeClient } from './client/vscode';
import type { PanelClient } from './client/types';

function browserClient(): PanelClient {
  // An editor's openExternal may hand us `?token%3D…` (its Uri encodes '='): decode first (the token is base64url).
  const params = new URLSearchParams(decodeURIComponent(location.search));
  const fromUrl = params.get('token');
  if (fromUrl) {
    sessionStorage.setItem('agentora-token', fromUrl);
    history.replaceState(null, '', location.pathname + location.hash); // keep the token out of history and screenshots
  }
  // The folder the page was served from, not the origin: behind an editor's port proxy (code-server's
  // /proxy/<port>/) the API lives under that prefix too.
  const base = location.origin + location.pathname.replace(/\/[^/]*$/, '');
  return createHttpClient(base, sessionStorage.getItem('agentora-token') ?? '');
}

const body = document.body;
const client = body.dataset.host === 'vscode' ? createVsCodeClient() : browserClient();
const target = document.getElementById('app')!;
// VS Code: one view per panel, named by the host. Browser: the studio shell with a tab per panel.
if (body.dataset.host === 'vscode') mount(panelById(body.dataset.panel).component, { target, props: { client } });
else mount(Studio, { target, props: { client } });
