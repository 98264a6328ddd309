import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The newest modification time under `dir`, in ms. */
function newest(dir: string): number {
  return Math.max(
    statSync(dir).mtimeMs,
    ...readdirSync(dir, { withFileTypes: true }).map((entry) => (entry.isDirectory() ? newest(join(dir, entry.name)) : statSync(join(dir, entry.name)).mtimeMs)),
  );
}

/**
 * The CLI and crash tests spawn `bin/staffwire.js`, which runs dist/: build it from the current
 * sources. The browser tests need the console in dist/console: built again only when its sources
 * changed since (`npm ci` built it), as a build takes a while.
 */
export default function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  const built = join('dist', 'console', 'index.html');
  if (!existsSync(built) || newest('console') > statSync(built).mtimeMs) {
    execFileSync('npx', ['vite', 'build', '--config', 'console/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
  }
}
