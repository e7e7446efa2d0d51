// Runs before `npm start` and `npm test`: on a fresh clone, installs the locked dependencies
// first, so the README's two quick-start commands work as they are.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync(new URL('../node_modules/.package-lock.json', import.meta.url))) {
  console.log('memorykv: installing dependencies (npm ci) ...');
  execSync('npm ci', { stdio: 'inherit', cwd: new URL('..', import.meta.url) });
}
