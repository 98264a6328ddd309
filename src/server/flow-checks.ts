import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative } from 'node:path';
import type { App } from '../app/create-app.js';
import type { FlowDefinition } from '../engine/flow-types.js';
import { checkFlowBytes, type FlowCheck } from '../engine/validate/validate-flow.js';

/** A flow file as the API sees it: what it declares, and what `staffwire validate` finds in it. */
export interface CheckedFlow {
  id: string;
  /** Relative to the configuration's folder (absolute when outside it), as problems name it. */
  file: string;
  definition: FlowDefinition;
  check: FlowCheck;
}

/**
 * The flows in the flow folders, each checked exactly as `staffwire validate` and `staffwire run`
 * check it (so a run started through the API runs what the CLI would). A check is kept while the
 * file's bytes stay the same: editing a file takes effect at the next request.
 */
export class FlowChecks {
  private readonly checked = new Map<string, { bytes: Buffer; check: FlowCheck }>();

  constructor(private readonly app: Pick<App, 'flows' | 'connectors' | 'config' | 'engine'>) {}

  list(): { id: string; file: string; definition: FlowDefinition }[] {
    return this.app.flows.list();
  }

  get(id: string): CheckedFlow | undefined {
    const entry = this.app.flows.list().find((f) => f.id === id);
    if (!entry) return undefined;
    let bytes: Buffer;
    try {
      bytes = readFileSync(entry.file);
    } catch {
      return undefined;
    }
    const file = this.displayName(entry.file);
    const cached = this.checked.get(entry.file);
    if (cached && cached.bytes.equals(bytes)) return { id, file, definition: entry.definition, check: cached.check };
    const check = this.checkBytes(bytes, file);
    this.checked.set(entry.file, { bytes, check });
    return { id, file, definition: entry.definition, check };
  }

  private displayName(file: string): string {
    const base = this.app.config.file ? dirname(this.app.config.file) : process.cwd();
    const inside = relative(base, file);
    return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : file;
  }

  /** The checks of `staffwire validate` on a flow given as bytes, named `file` in its problems. */
  checkBytes(bytes: Uint8Array, file: string): FlowCheck {
    return checkFlowBytes(bytes, file, {
      connectors: this.app.connectors,
      connections: this.app.config.connections,
      limits: this.app.engine.limits.expression,
    });
  }
}
