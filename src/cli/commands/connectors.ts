import { discoverConnectors } from '../../connector-kit/registry.js';
import { UsageError } from '../../errors/index.js';

export async function connectorsListCommand(options: { json?: boolean }): Promise<number> {
  const manifests = (await discoverConnectors()).list();
  if (options.json) console.log(JSON.stringify(manifests.map(({ id, category, title }) => ({ id, category, title })), null, 2));
  else for (const m of manifests) console.log(`${m.id.padEnd(16)} ${m.category.padEnd(12)} ${m.title}`);
  return 0;
}

export async function connectorsShowCommand(id: string, options: { json?: boolean }): Promise<number> {
  const registry = await discoverConnectors();
  const manifest = registry.get(id)?.manifest;
  if (!manifest) throw new UsageError(`unknown connector "${id}" (known: ${registry.list().map((m) => m.id).join(', ')})`);
  if (options.json) {
    console.log(JSON.stringify(manifest, null, 2));
    return 0;
  }
  console.log(`${manifest.id} — ${manifest.title} (${manifest.category})`);
  if (manifest.description) console.log(manifest.description);
  console.log(`\nconnection ${manifest.connection.required ? '(required)' : '(optional)'}:`);
  const props = (registry.connectionSchema(id)?.properties ?? {}) as Record<string, { description?: string }>;
  for (const [name, p] of Object.entries(props)) if (name !== 'connector') console.log(`  ${name.padEnd(18)} ${p.description ?? ''}`);
  console.log('\nactions:');
  for (const [name, a] of Object.entries(manifest.actions)) {
    const required = ((a.input.required as string[] | undefined) ?? []).join(', ');
    console.log(`  ${id}.${name.padEnd(24)} ${a.title}${a.sideEffect ? '  [side effect]' : ''}${required ? `  (requires: ${required})` : ''}`);
  }
  const events = Object.entries(manifest.events ?? {});
  if (events.length > 0) {
    console.log('\nevents:');
    for (const [type, e] of events) console.log(`  ${type.padEnd(40)} ${e.description ?? ''}`);
  }
  for (const limit of manifest.rateLimits ?? []) console.log(`\nrate limit: ${limit.scope}: ${limit.limit} per ${limit.perSeconds}s`);
  return 0;
}
