import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONSOLE_PAGES } from '../../src/server/routes/console.js';
import { expectApiError, useServerHarness } from './server-harness.js';

const h = useServerHarness('console-assets');

/** A console build as Vite writes it: the page, and assets named by their content hash. */
function consoleBuild(): string {
  const dir = join(h.dir, 'console');
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Staffwire</title><script type="module" src="/assets/index-3f9a1c.js"></script>');
  writeFileSync(join(dir, 'assets', 'index-3f9a1c.js'), 'console.log("console")');
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

describe('the console at /', () => {
  it('answers every console address with the page, never cached', async () => {
    await h.boot({}, { consoleDir: consoleBuild() });
    for (const page of CONSOLE_PAGES) {
      const res = await h.call('GET', page.replace(':id', 'run_abc'));
      expect(res.statusCode, page).toBe(200);
      expect(res.headers['content-type'], page).toMatch(/^text\/html/);
      expect(res.headers['cache-control'], page).toBe('no-cache');
      expect(res.body).toContain('<title>Staffwire</title>');
    }
  });

  it('serves hashed assets cached for a year, and other files without long caching', async () => {
    await h.boot({}, { consoleDir: consoleBuild() });
    const asset = await h.call('GET', '/assets/index-3f9a1c.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await h.call('GET', '/favicon.svg')).headers['cache-control']).toBe('no-cache');
  });

  it('sends a strict Content-Security-Policy: scripts from this origin only, nothing inline, no framing', async () => {
    await h.boot({}, { consoleDir: consoleBuild() });
    const csp = String((await h.call('GET', '/runs')).headers['content-security-policy']);
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['script-src-attr']).toEqual(["'none'"]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(directives['style-src']).toEqual(["'self'", "'unsafe-inline'"]);
  });

  it('keeps the API browser at /docs working under its own policy', async () => {
    await h.boot({}, { consoleDir: consoleBuild() });
    const docs = await h.call('GET', '/docs/');
    expect(docs.statusCode).toBe(200);
    // Swagger UI's own policy (its hashes, its validator badge), not the console's.
    expect(String(docs.headers['content-security-policy'])).toContain("img-src 'self' data: validator.swagger.io");
  });

  it('leaves unknown addresses a JSON 404', async () => {
    await h.boot({}, { consoleDir: consoleBuild() });
    expectApiError(await h.call('GET', '/api/v1/nothing'), 404, 'route.not_found');
    expectApiError(await h.call('GET', '/runs/a/b'), 404, 'route.not_found');
    expectApiError(await h.call('GET', '/assets/missing.js'), 404, 'route.not_found');
  });

  it('says how to build the console when it is not built, instead of failing', async () => {
    await h.boot({}, { consoleDir: join(h.dir, 'no-console-here') });
    const res = await h.call('GET', '/');
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('npm run build:console');
    expect((await h.call('GET', '/api/v1/flows', { as: 'viewer' })).statusCode).toBe(200);
  });
});
