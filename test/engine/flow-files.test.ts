import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FlowFiles } from '../../src/engine/flow-files.js';

const flow = (id: string, version = '1') => JSON.stringify({ id, version, steps: [{ id: 'done', kind: 'return', output: version }] });

describe('FlowFiles.get', () => {
  let dir: string;
  let flows: FlowFiles;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'staffwire-flow-files-'));
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    flows = new FlowFiles([join(dir, 'a'), join(dir, 'b')]);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds each flow by id as its file is now: added, edited, renamed, re-identified and removed files', async () => {
    writeFileSync(join(dir, 'a', 'one.json'), flow('one'));
    expect((await flows.get('one'))?.version).toBe('1');
    expect(await flows.get('two')).toBeUndefined();

    writeFileSync(join(dir, 'b', 'two.json'), flow('two'));
    expect((await flows.get('two'))?.version).toBe('1');

    // Edited in place (the folder does not change): the new content.
    writeFileSync(join(dir, 'a', 'one.json'), flow('one', '2-longer'));
    expect((await flows.get('one'))?.version).toBe('2-longer');

    renameSync(join(dir, 'a', 'one.json'), join(dir, 'a', 'renamed.json'));
    expect((await flows.get('one'))?.version).toBe('2-longer');

    // The file now holds another id: the old id is gone, the new one found.
    writeFileSync(join(dir, 'a', 'renamed.json'), flow('three'));
    expect(await flows.get('one')).toBeUndefined();
    expect((await flows.get('three'))?.id).toBe('three');

    rmSync(join(dir, 'b', 'two.json'));
    expect(await flows.get('two')).toBeUndefined();
  });

  it('gives the first folder’s flow when two files hold one id', async () => {
    writeFileSync(join(dir, 'b', 'same.json'), flow('same', 'from-b'));
    expect((await flows.get('same'))?.version).toBe('from-b');
    writeFileSync(join(dir, 'a', 'same.json'), flow('same', 'from-a'));
    expect((await flows.get('same'))?.version).toBe('from-a');
  });
});
