import { execFileSync } from 'node:child_process';

/** The CLI and crash tests spawn `bin/staffwire.js`, which runs dist/: build it from the current sources. */
export default function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
