// One build script, three contexts: the extension (runs in the VS Code extension host), the server (a plain
// Node process: language server + CLI), and the webview bundle (runs in a VS Code webview or a browser).
// Usage: node esbuild.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import sveltePlugin from 'esbuild-svelte';
import { copyFileSync, mkdirSync, cpSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

// better-sqlite3 is a native module built for one Node ABI. We bundle its JavaScript and ship the compiled
// `.node` file next to the server bundle (dist/native/), then open databases with `nativeBinding` pointing at
// it. That keeps the .vsix free of node_modules while making the one binary explicit (see docs/architecture.md).
function copyNativeAssets() {
  mkdirSync('dist/native', { recursive: true });
  const sqliteDir = path.dirname(require.resolve('better-sqlite3/package.json'));
  replaceAtomically(path.join(sqliteDir, 'build/Release/better_sqlite3.node'), 'dist/native/better_sqlite3.node');
  mkdirSync('dist/webview/codicons', { recursive: true });
  const codicons = path.dirname(require.resolve('@vscode/codicons/package.json'));
  cpSync(path.join(codicons, 'dist/codicon.css'), 'dist/webview/codicons/codicon.css');
  cpSync(path.join(codicons, 'dist/codicon.ttf'), 'dist/webview/codicons/codicon.ttf');
}

/**
 * A running server (studio, language server, a test) has the old `.node` file mapped into memory. Copying over it
 * rewrites those very pages in place and the server dies with SIGSEGV. Writing a new file beside it and renaming
 * it into place swaps the directory entry only: the running process keeps its (now unlinked) inode, the next one
 * loads the new file.
 */
function replaceAtomically(from, to) {
  const tmp = `${to}.${process.pid}.tmp`;
  copyFileSync(from, tmp);
  renameSync(tmp, to);
}

const contexts = await Promise.all([
  esbuild.context({
    ...common,
    entryPoints: { extension: 'extension/src/main.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  }),
  esbuild.context({
    ...common,
    entryPoints: {
      'server/main': 'server/src/main.ts',
      'server/cli': 'server/src/cli.ts',
      'server/integrity-worker': 'server/src/services/system/integrityWorker.ts',
      'server/checkpoint-worker': 'server/src/store/checkpointWorker.ts',
      'server/retrieval-worker': 'server/src/services/memory/retrievalWorker.ts',
      'server/import-worker': 'server/src/services/missions/exchange/importWorker.ts',
      'server/compaction-worker': 'server/src/services/missions/retention/compactionWorker.ts',
      'server/pattern-worker': 'server/src/services/missions/personas/patternWorker.ts',
    },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Optional peer modules some dependencies probe for at run time; never used by Agentora.
    external: ['pino-pretty', 'bufferutil', 'utf-8-validate'],
    define: { 'process.env.AGENTORA_BUNDLED': '"1"' },
  }),
  // The PDF reader's worker (unpdf = pdf.js, an ES module): its own ESM bundle, loaded only when a PDF is uploaded.
  esbuild.context({
    ...common,
    entryPoints: { 'server/pdf-worker': 'server/src/services/memory/pdfWorker.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    platform: 'node',
    format: 'esm',
    target: 'node20',
  }),
  esbuild.context({
    ...common,
    entryPoints: { main: 'webview/src/main.ts' },
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    conditions: ['svelte', 'browser'],
    mainFields: ['svelte', 'browser', 'module', 'main'],
    plugins: [
      sveltePlugin({
        compilerOptions: { css: 'external', dev: !production },
        // <vscode-button> and friends are focusable custom elements that handle Enter/Space themselves, so the
        // "click without a key handler" rule does not apply to them.
        filterWarnings: (w) => !(w.code === 'a11y_click_events_have_key_events' && /<vscode-/.test(w.frame ?? '')),
      }),
    ],
  }),
]);

/**
 * Browser actions load playwright-core at run time (never bundled: it resolves its own files). It is an optional
 * dependency of the server; the packaged extension carries it in dist/node_modules so browser actions work from a
 * .vsix too (Chromium itself comes from the machine: actions.browserExecutable). Skipped if it is not installed.
 */
function copyPlaywright() {
  let dir;
  try {
    dir = path.dirname(require.resolve('playwright-core/package.json'));
  } catch {
    console.warn('[esbuild] playwright-core is not installed: the package will not carry browser actions');
    return;
  }
  const dest = 'dist/node_modules/playwright-core';
  rmSync(dest, { recursive: true, force: true });
  cpSync(dir, dest, { recursive: true, filter: (src) => !/\.d\.ts$|[\\/]types([\\/]|$)/.test(src) });
}

copyNativeAssets();
if (production) copyPlaywright();
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('[esbuild] watching…');
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  console.log(`[esbuild] built extension, server and webview${production ? ' (production)' : ''}`);
}
