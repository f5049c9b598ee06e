// The four prompts the tool asks with, each from its own package: importing @inquirer/prompts
// bundles the editor prompt too, and with it iconv-lite and chardet (0.5 MB) that no question
// here needs (esbuild cannot drop them: they are CommonJS).
export { default as confirm } from '@inquirer/confirm';
export { default as input } from '@inquirer/input';
export { default as password } from '@inquirer/password';
export { default as select } from '@inquirer/select';
