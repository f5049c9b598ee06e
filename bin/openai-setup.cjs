#!/usr/bin/env node
// CommonJS on purpose: Node starts it ~3 ms faster than an ES module (see scripts/build.mjs).
require('../dist/main.cjs');
