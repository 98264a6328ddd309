import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatOutline, outlineSchema, type OutlineRow } from '../../src/cli/commands/connectors.js';
import { discoverConnectors } from '../../src/connector-kit/registry.js';
import { runCli } from '../support/cli.js';

/** The lines `show` printed for one action, event or block: from its heading to the next blank line. */
function block(stdout: string, heading: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith(heading));
  expect(start, `${heading} in the output`).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((line, i) => i > start && line === '');
  return lines.slice(start, end < 0 ? undefined : end);
}

/** A printed field row, as a pattern: indentation, name, then its type, `required` and description in order. */
function row(indent: number, name: string, ...rest: string[]): RegExp {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^ {${indent}}${escape(name)} +${rest.map(escape).join(' +')}$`);
}

describe('staffwire connectors show', () => {
  it('prints every input field of lark-corehr pre_hire.create at its depth with its type, and the output fields', async () => {
    const result = await runCli(['connectors', 'show', 'lark-corehr']);
    expect(result.code).toBe(0);
    const create = block(result.stdout, '  lark-corehr.pre_hire.create  Create a pre-hire  [side effect]');
    const input = create.slice(create.indexOf('    input:'), create.indexOf('    output:'));
    const output = create.slice(create.indexOf('    output:'));
    for (const expected of [
      row(6, 'basic_info', 'object', 'required'),
      row(8, 'name', 'object'),
      row(10, 'full_name', 'string'),
      row(8, 'email', 'string (email)'),
      row(8, 'worker_id', 'string', 'Employee number, when the tenant does not number automatically.'),
      row(6, 'offer_info', 'object', 'required'),
      row(8, 'onboarding_date', 'string (date)', 'First working day.'),
      row(8, 'direct_leader_id', 'string', "The manager's employment id."),
      row(6, 'education_info[]', 'object'),
      row(6, 'ats_application_id', 'string', 'The recruiting application this pre-hire comes from.'),
      /^ {6}out_biz_id +string \(≤ 100 chars\) +Lark's idempotency key for the create: the same key never makes a second pre-hire\./,
    ]) {
      expect(input.some((line) => expected.test(line)), `${expected} in\n${input.join('\n')}`).toBe(true);
    }
    expect(output).toEqual(['    output:', '      pre_hire_id  string  required', '      out_biz_id   string  required  The key sent, to find this create again in logs.']);
  });

  it('prints enums with their values, array items as name[], and a long description by its first sentence or not at all', async () => {
    const result = await runCli(['connectors', 'show', 'lark-corehr']);
    const search = block(result.stdout, '  lark-corehr.employee.search  Search employees');
    expect(search).toContainEqual(expect.stringMatching(row(6, 'employment_status', 'enum: hired | terminated')));
    expect(search).toContainEqual(expect.stringMatching(row(6, 'page_size', 'integer (1–100)', 'Items per page; Lark allows at most 100. Default 100.')));
    expect(search).toContainEqual(
      expect.stringMatching(row(6, 'user_id_type', 'enum: open_id | union_id | user_id | people_corehr_id', 'How people are identified in the request and the answer (employment_id, manager ids).')),
    );
    // Its first sentence alone is over 100 characters: `--json` has it. Lark's limit on the list is shown.
    expect(search).toContainEqual(expect.stringMatching(/^ {6}fields\[\] +string \(≤ 100 items\)$/));
    const output = search.slice(search.indexOf('    output:'));
    expect(output).toContainEqual(expect.stringMatching(/^ {6}items\[\] +object +required/));
    expect(output).toContainEqual(expect.stringMatching(/^ {8}employment_id +string/));
  });

  it('prints each event with its payload fields', async () => {
    const result = await runCli(['connectors', 'show', 'lark-corehr']);
    const event = block(result.stdout, '  corehr.employment.created_v1  An employment was created');
    expect(event.slice(1)).toEqual([
      '    payload:',
      expect.stringMatching(row(6, 'employment_id', 'string', 'required')),
      expect.stringMatching(row(6, 'target_user_id', 'object')),
      expect.stringMatching(row(8, 'open_id', 'string')),
      expect.stringMatching(row(8, 'union_id', 'string')),
      expect.stringMatching(row(8, 'user_id', 'string')),
    ]);
  });

  it("follows $refs within a manifest's schema and to shared schemas", async () => {
    const result = await runCli(['connectors', 'show', 'docusign']);
    const create = block(result.stdout, '  docusign.envelope.create_from_template');
    expect(create).toContainEqual(expect.stringMatching(/^ {6}status +enum: created \| sent \| delivered \| signed \| completed \| declined \| voided \| deleted \| timedout \| processing +required$/));
    expect(create).toContainEqual(expect.stringMatching(row(6, 'templateRoles[]', 'object', 'required', 'Who fills each role the template defines.')));
    expect(create).toContainEqual(expect.stringMatching(row(8, 'email', 'string (email, ≤ 100 chars)', 'required')));
    const completed = block(result.stdout, '  envelope-completed');
    expect(completed).toContainEqual(expect.stringMatching(row(6, 'envelopeId', 'string', 'required')));
    expect(completed).toContainEqual(expect.stringMatching(row(8, 'status', 'string', 'sent, delivered, completed, declined, voided…')));
  });

  it('still prints the manifest itself with --json', async () => {
    const result = await runCli(['connectors', 'show', 'lark-corehr', '--json']);
    expect(result.code).toBe(0);
    const manifest: unknown = JSON.parse(readFileSync(new URL('../../connectors/lark-corehr/manifest.json', import.meta.url), 'utf8'));
    expect(JSON.parse(result.stdout)).toEqual(manifest);
  });
});

describe('outlineSchema', () => {
  const field = (depth: number, name: string, type: string, required = false, description?: string): OutlineRow => ({ depth, name, type, required, ...(description ? { description } : {}) });

  it.each<[string, Record<string, unknown>, OutlineRow[]]>([
    ['an object in an object', { type: 'object', required: ['a'], properties: { a: { type: 'object', properties: { b: { type: 'integer', minimum: 0 } } } } }, [field(0, 'a', 'object', true), field(1, 'b', 'integer (≥ 0)')]],
    ['arrays of arrays', { type: 'object', properties: { grid: { type: 'array', maxItems: 3, items: { type: 'array', items: { type: 'number' } } } } }, [field(0, 'grid[][]', 'number (≤ 3 items)')]],
    ['a type list', { type: 'object', properties: { p: { type: ['object', 'null'] } } }, [field(0, 'p', 'object | null')]],
    ['alternatives', { type: 'object', properties: { c: { oneOf: [{ type: 'object' }, { type: 'string' }] } } }, [field(0, 'c', 'object | string')]],
    ['a const', { type: 'object', properties: { s: { const: 'voided' } } }, [field(0, 's', 'const "voided"')]],
    ['a map', { type: 'object', properties: { h: { type: 'object', additionalProperties: { type: 'string' } } } }, [field(0, 'h', 'object of string')]],
    ['no type', { type: 'object', properties: { body: { description: 'Sent as JSON.' } } }, [field(0, 'body', 'any', false, 'Sent as JSON.')]],
    [
      'one of several fields required',
      { type: 'object', anyOf: [{ required: ['emails'] }, { required: ['mobiles'] }], properties: { emails: { type: 'array', items: { type: 'string' } } } },
      [{ depth: 0, note: 'requires one of: emails | mobiles' }, field(0, 'emails[]', 'string')],
    ],
    [
      'a local $ref, its description kept',
      { type: 'object', $defs: { id: { type: 'string', format: 'uuid' } }, properties: { key: { $ref: '#/$defs/id', description: 'The key.' } } },
      [field(0, 'key', 'string (uuid)', false, 'The key.')],
    ],
    [
      'a recursive $ref, shown once',
      { type: 'object', $defs: { node: { type: 'object', properties: { child: { $ref: '#/$defs/node' } } } }, properties: { root: { $ref: '#/$defs/node' } } },
      [field(0, 'root', 'object'), field(1, 'child', '→ #/$defs/node (recursive)')],
    ],
    ['a $ref that leads nowhere', { type: 'object', properties: { x: { $ref: '#/$defs/missing' } } }, [field(0, 'x', '#/$defs/missing (not found)')]],
  ])('outlines %s', (_case, schema, rows) => {
    expect(outlineSchema(schema)).toEqual(rows);
  });

  it('follows a $ref to a shared schema registered by its $id', async () => {
    await discoverConnectors();
    expect(outlineSchema({ $ref: 'https://staffwire.dev/schemas/events/docusign-connect.json' })).toContainEqual(field(0, 'envelopeId', 'string', true));
  });

  it('aligns names, types and required', () => {
    expect(formatOutline([field(0, 'a', 'string', true), field(1, 'long_name', 'integer')])).toEqual(['a            string   required', '  long_name  integer']);
  });
});
