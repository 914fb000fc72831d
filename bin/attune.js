#!/usr/bin/env node
// Operator commands from the same build as the app: `attune topology apply|verify`,
// `attune dlq list|peek|replay`. Run `npm run build` first.
require('../dist/cli/main').main(process.argv.slice(2));
