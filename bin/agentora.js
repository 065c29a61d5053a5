#!/usr/bin/env node
// Thin launcher for the bundled CLI (build first: `npm run build`).
require('../dist/server/cli.js');
