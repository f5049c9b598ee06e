#!/usr/bin/env node
'use strict';
// Node's own compile cache (Node >= 22.1) makes later starts skip compiling the bundle. It lives
// in the user's cache dir, never a shared one; a damaged or unwritable cache only means no cache.
const { enableCompileCache } = require('node:module');
if (enableCompileCache && !process.env.NODE_DISABLE_COMPILE_CACHE) {
  try {
    const { join } = require('node:path');
    const home = require('node:os').homedir();
    const base =
      process.platform === 'win32'
        ? process.env.LOCALAPPDATA || join(home, 'AppData', 'Local')
        : process.platform === 'darwin'
          ? join(home, 'Library', 'Caches')
          : process.env.XDG_CACHE_HOME || join(home, '.cache');
    enableCompileCache(join(base, 'openai-setup', 'compile-cache'));
  } catch {
    // No home, a read-only disk: run without the cache.
  }
}
require('../dist/main.cjs').run();
