import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors/index.js';
import { decodeJsonText } from '../json/json-text.js';
import type { FlowCatalog } from './engine.js';
import type { FlowDefinition } from './flow-types.js';

/** Flows found as *.json files in the configured folders, by their id. */
export class FlowFiles implements FlowCatalog {
  /** Parsed files by path, reused while the file's size and modification time stay the same. */
  private readonly parsed = new Map<string, { stamp: string; definition: FlowDefinition | undefined }>();

  /** Which file holds each id, as of the folders' modification times. */
  private listing: { stamps: string; fileById: Map<string, string> } | undefined;

  constructor(private readonly dirs: string[]) {}

  /** Every readable flow in the folders, as they are now: a background task lists them to see what triggers what. */
  list(): { id: string; file: string; definition: FlowDefinition }[] {
    return this.files();
  }

  /**
   * The flow with this id as its file is now. Looked up per request and per fire, so it reads
   * the folders again only when one of them changed (a file added, removed or renamed changes
   * the folder's modification time) and otherwise looks at the one file; a file that no longer
   * holds the id, or an id not found, lists the folders again.
   */
  async get(id: string): Promise<FlowDefinition | undefined> {
    const stamps = this.dirs.map(folderStamp).join('|');
    if (this.listing?.stamps !== stamps) {
      // The first file holding an id wins, as in files().
      this.listing = { stamps, fileById: new Map(this.files().map((f): [string, string] => [f.id, f.file]).reverse()) };
    }
    const file = this.listing.fileById.get(id);
    const definition = file === undefined ? undefined : this.read(file);
    if (definition?.id === id) return definition;
    this.listing = undefined;
    return this.files().find((f) => f.id === id)?.definition;
  }

  /** Path of the flow file for an id, for `staffwire run <id>`. */
  fileOf(id: string): string | undefined {
    return this.files().find((f) => f.id === id)?.file;
  }

  private files(): { id: string; file: string; definition: FlowDefinition }[] {
    const found = [];
    for (const dir of this.dirs) {
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
        const file = join(dir, name);
        const definition = this.read(file);
        if (definition) found.push({ id: definition.id, file, definition });
      }
    }
    return found;
  }

  private read(file: string): FlowDefinition | undefined {
    let stamp: string;
    try {
      const stat = statSync(file);
      stamp = `${stat.size}:${stat.mtimeMs}`;
    } catch {
      return undefined;
    }
    const cached = this.parsed.get(file);
    if (cached?.stamp === stamp) return cached.definition;
    let definition: FlowDefinition | undefined;
    try {
      const parsed = JSON.parse(decodeJsonText(readFileSync(file), file)) as FlowDefinition;
      definition = typeof parsed?.id === 'string' ? parsed : undefined;
    } catch {
      // Not a readable flow (not JSON, not UTF-8, too deep): `staffwire validate` reports it; lookups by id skip it.
      definition = undefined;
    }
    this.parsed.set(file, { stamp, definition });
    return definition;
  }
}

function folderStamp(dir: string): string {
  try {
    return String(statSync(dir).mtimeMs);
  } catch {
    return '-';
  }
}

/** A run target is a file when it looks like a path or exists; otherwise a flow id. */
export function resolveFlowTarget(target: string, flows: FlowFiles, cwd = process.cwd()): string {
  const asFile = resolve(cwd, target);
  if (existsSync(asFile)) return asFile;
  if (target.endsWith('.json') || target.includes('/')) throw new UsageError(`flow file ${target} does not exist`);
  const file = flows.fileOf(target);
  if (!file) throw new UsageError(`no flow with id "${target}" in the flow folders, and no such file`);
  return file;
}
