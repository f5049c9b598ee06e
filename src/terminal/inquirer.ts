// The prompts the tool asks with, each from its own package: importing @inquirer/prompts
// bundles the editor prompt too, and with it iconv-lite and chardet (0.5 MB) that no question
// here needs (esbuild cannot drop them: they are CommonJS). The hidden one is ours (hidden-input.ts).
export { default as confirm } from '@inquirer/confirm';
export { default as input } from '@inquirer/input';
export { default as password } from './hidden-input.js';
export { default as select } from '@inquirer/select';
// The default theme, in colour or not as the prompts are (prompter.ts's ASCII theme is made from it).
export { makeTheme } from '@inquirer/core';
