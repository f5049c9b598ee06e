// The prompts the tool asks with, each from its own package: importing @inquirer/prompts
// bundles the editor prompt too, and with it iconv-lite and chardet (0.5 MB) that no question
// here needs (esbuild cannot drop them: they are CommonJS). The hidden one is ours (hidden-input.ts),
// and so is the yes/no one (confirm.ts: only y, yes, n or no answer, or Enter alone).
export { default as confirm } from './confirm.js';
export { default as input } from '@inquirer/input';
export { default as password } from './hidden-input.js';
export { default as select } from '@inquirer/select';
// The default theme, in colour or not as the prompts are (prompter.ts's ASCII theme is made from it).
export { makeTheme } from '@inquirer/core';
