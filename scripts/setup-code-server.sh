#!/usr/bin/env bash
# Installs code-server 4.100.3 (= VS Code 1.100.3, the newest that runs on Node 20) from the npm registry into
# $1 (default .cache/code-server), for the e2e tests. Offline-safe: code-server's own postinstall refuses to run
# as root and downloads ripgrep, so we install with --ignore-scripts, use Debian's ripgrep and rebuild the
# native modules ourselves. Needs Debian packages: ripgrep libkrb5-dev pkg-config libsecret-1-dev libx11-dev
# libxkbfile-dev (.ci/run installs them). Idempotent: a finished install is detected by a stamp file.
set -euo pipefail
dest=$(realpath -m "${1:-$(dirname "$0")/../.cache/code-server}")
stamp="$dest/.agentora-installed-4.100.3"
if [ -f "$stamp" ]; then echo "code-server already installed in $dest"; exit 0; fi
mkdir -p "$dest" && cd "$dest"
export npm_config_yes=true
[ -f package.json ] || echo '{"private":true}' > package.json
npm install --no-audit --no-fund --ignore-scripts code-server@4.100.3
npm rebuild argon2
cd node_modules/code-server/lib/vscode
npm install --omit=dev --ignore-scripts --no-audit --no-fund
mkdir -p node_modules/@vscode/ripgrep/bin && ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
npm rebuild kerberos node-pty @parcel/watcher
rm -rf node_modules.asar && ln -s node_modules node_modules.asar
(cd bin/remote-cli && ln -sf code-linux.sh code-server)
(cd bin/helpers && ln -sf browser-linux.sh browser.sh)
(cd extensions && npm install --omit=dev --ignore-scripts --no-audit --no-fund)
touch "$stamp"
echo "code-server installed in $dest"
