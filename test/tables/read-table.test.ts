import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import unzipper from 'unzipper';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TableFileError } from '../../src/errors/index.js';
import { readTable } from '../../src/tables/read-table.js';
import type { ReadTableOptions, TableRow } from '../../src/tables/table-row.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'staffwire-tables-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function readAll(path: string, options: ReadTableOptions = {}): Promise<TableRow[]> {
  const rows: TableRow[] = [];
  for await (const row of readTable(path, options)) rows.push(row);
  return rows;
}

async function failure(path: string, options: ReadTableOptions = {}): Promise<TableFileError> {
  try {
    await readAll(path, options);
  } catch (err) {
    if (err instanceof TableFileError) return err;
    throw err;
  }
  throw new Error(`${path} was read without an error`);
}

/** A workbook written by exceljs, with one sheet per entry of `sheets`: rows of cell values. */
async function workbook(name: string, sheets: Record<string, ExcelJS.CellValue[][]>, style?: (sheet: ExcelJS.Worksheet) => void): Promise<string> {
  const book = new ExcelJS.Workbook();
  for (const [sheetName, rows] of Object.entries(sheets)) {
    const sheet = book.addWorksheet(sheetName);
    rows.forEach((cells, i) => {
      const row = sheet.getRow(i + 1);
      cells.forEach((value, j) => {
        if (value !== undefined) row.getCell(j + 1).value = value;
      });
      row.commit();
    });
    style?.(sheet);
  }
  const path = join(dir, name);
  await book.xlsx.writeFile(path);
  return path;
}

/**
 * The parts of the workbook at `source` stored again in the order given (the rest after them, as
 * they were), each deflated unless named in `stored`, through `edit` if given: zip files as other
 * writers lay them out.
 */
async function rezip(source: string, name: string, order: string[], options: { stored?: string[]; edit?: (path: string, content: Buffer) => Buffer } = {}): Promise<string> {
  const files = (await unzipper.Open.file(source)).files.filter((part) => part.type === 'File');
  const ordered = [...order.map((path) => files.find((part) => part.path === path) ?? fail(`${source} has no ${path}`)), ...files.filter((part) => !order.includes(part.path))];
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const part of ordered) {
    const content = options.edit?.(part.path, await part.buffer()) ?? (await part.buffer());
    const method = options.stored?.includes(part.path) ? 0 : 8;
    const data = method === 0 ? content : deflateRawSync(content);
    const path = Buffer.from(part.path);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(method, 8);
    header.writeUInt32LE(crc32(content), 14);
    header.writeUInt32LE(data.length, 18);
    header.writeUInt32LE(content.length, 22);
    header.writeUInt16LE(path.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    header.copy(entry, 8, 6, 30);
    entry.writeUInt32LE(offset, 42);
    locals.push(header, path, data);
    central.push(entry, path);
    offset += header.length + path.length + data.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(ordered.length, 8);
  end.writeUInt16LE(ordered.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return file(name, Buffer.concat([...locals, directory, end]));
}

function fail(message: string): never {
  throw new Error(message);
}

describe('readTable on CSV', () => {
  it('keys each row by the header, numbers it by its line, and reads empty fields as null', async () => {
    const path = file('people.csv', 'id,name,department\n001,Ada,Sales\n002,,Legal\n003,Cy,\n');

    expect(await readAll(path)).toEqual([
      { row: 2, values: { id: '001', name: 'Ada', department: 'Sales' } },
      { row: 3, values: { id: '002', name: null, department: 'Legal' } },
      { row: 4, values: { id: '003', name: 'Cy', department: null } },
    ]);
  });

  it('keeps a column named __proto__ as data', async () => {
    const path = file('proto.csv', '__proto__,id\nx,1\n');
    const [row] = await readAll(path);

    expect(Object.keys(row!.values)).toEqual(['__proto__', 'id']);
    expect(Object.getPrototypeOf(row!.values)).toBe(Object.prototype);
    expect(row!.values['__proto__']).toBe('x');
  });

  it('drops a byte order mark', async () => {
    const path = file('bom.csv', '\uFEFFid,name\n1,Ada\n');

    expect(await readAll(path)).toEqual([{ row: 2, values: { id: '1', name: 'Ada' } }]);
  });

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('numbers rows by the line they start on, across quoted line breaks and blank lines (%s)', async (_case, eol) => {
    const text = ['id,note', '1,"first line', 'second line', 'third line"', '', '2,"a ""quoted"", word, and a comma"', '', '', '3,plain', ''].join(eol);
    const path = file(`multiline-${_case}.csv`, text);

    expect(await readAll(path)).toEqual([
      { row: 2, values: { id: '1', note: ['first line', 'second line', 'third line'].join(eol) } },
      { row: 6, values: { id: '2', note: 'a "quoted", word, and a comma' } },
      { row: 9, values: { id: '3', note: 'plain' } },
    ]);
  });

  it('reads another delimiter and another encoding, and a UTF-16 file by its byte order mark', async () => {
    const latin1 = file('latin1.csv', Buffer.from('id;name\n1;Zoë\n', 'latin1'));
    const utf16 = file('utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id,name\n1,Zoë\n', 'utf16le')]));

    expect(await readAll(latin1, { delimiter: ';', encoding: 'latin1' })).toEqual([{ row: 2, values: { id: '1', name: 'Zoë' } }]);
    expect(await readAll(utf16)).toEqual([{ row: 2, values: { id: '1', name: 'Zoë' } }]);
  });

  it('fills a short row with nulls and skips a row of empty fields', async () => {
    const path = file('short.csv', 'a,b,c\n1\n,,\n4,5,6\n');

    expect(await readAll(path)).toEqual([
      { row: 2, values: { a: '1', b: null, c: null } },
      { row: 4, values: { a: '4', b: '5', c: '6' } },
    ]);
  });

  it('fails on a row with a value beyond the header, after the rows before it, naming row and column', async () => {
    const path = file('ragged.csv', 'id,name\n1,Ada\n2,"Bob\nJr",extra\n3,Cy\n');
    const seen: number[] = [];

    const err = await (async () => {
      try {
        for await (const row of readTable(path)) seen.push(row.row);
      } catch (caught) {
        return caught as TableFileError;
      }
      throw new Error('read without an error');
    })();

    expect(seen).toEqual([2]);
    expect(err).toBeInstanceOf(TableFileError);
    expect(err).toMatchObject({ code: 'table.ragged_row', category: 'validation', file: path, row: 3, column: 3 });
    expect(err.message).toBe(`${path}: row 3, column 3 (C): a value ("extra") beyond the 2 columns the header names; the row has 3 cells`);
  });

  it.each([
    ['a duplicate column name', 'id,name, name\n1,a,b\n', 3, /row 1, column 3 \(C\): the header names column "name" again \(first in column 2 \(B\)\)/],
    ['an empty column name', 'id,,name\n1,a,b\n', 2, /row 1, column 2 \(B\): the header has no column name here/],
  ])('fails on a header with %s', async (_case, text, column, message) => {
    const path = file(`header-${column}.csv`, text);
    const err = await failure(path);

    expect(err).toMatchObject({ code: 'table.bad_header', file: path, row: 1, column });
    expect(err.message).toMatch(message);
  });

  it('fails on a quote that is never closed, at the row it opens in', async () => {
    const path = file('open-quote.csv', 'id,name\n1,Ada\n\n2,"Bob\n3,Cy\n');
    const err = await failure(path);

    expect(err).toMatchObject({ code: 'table.unreadable', file: path, row: 4 });
    expect(err.message).toBe(`${path}: row 4: a quoted field starting in this row is never closed`);
  });

  it('fails on an empty file, a missing file, a directory, an unknown extension and a bad option', async () => {
    const empty = file('empty.csv', '\n\n');
    const unknown = file('people.txt', 'id\n1\n');
    const folder = join(dir, 'folder.csv');
    mkdirSync(folder);

    expect(await failure(empty)).toMatchObject({ code: 'table.bad_header', message: `${empty}: is empty: no header row names the columns` });
    expect(await failure(join(dir, 'missing.csv'))).toMatchObject({ code: 'table.not_found', file: join(dir, 'missing.csv') });
    expect(await failure(folder)).toMatchObject({ code: 'table.unreadable', message: `${folder}: is a directory, not a file` });
    expect(await failure(unknown)).toMatchObject({ code: 'table.bad_option' });
    expect(await readAll(unknown, { format: 'csv' })).toEqual([{ row: 2, values: { id: '1' } }]);
    expect(await failure(unknown, { format: 'tsv' as 'csv' })).toMatchObject({ code: 'table.bad_option', message: `${unknown}: format must be 'csv' or 'xlsx', got "tsv"` });
    expect(await failure(empty, { fromRow: 0 })).toMatchObject({ code: 'table.bad_option' });
    expect(await failure(empty, { header: false as unknown as true })).toMatchObject({ code: 'table.bad_option' });
    expect(await failure(empty, { encoding: 'gbk' as BufferEncoding })).toMatchObject({ code: 'table.bad_option' });
  });

  it('streams 50,000 rows', async () => {
    const lines = ['employee_id,name,salary'];
    for (let i = 1; i <= 50_000; i++) lines.push(`E${i},"Person ${i}",${1000 + i}`);
    const path = file('large.csv', `${lines.join('\n')}\n`);

    let count = 0;
    let sample: TableRow | undefined;
    for await (const row of readTable(path)) {
      count++;
      if (row.row === 25_001) sample = row;
    }

    expect(count).toBe(50_000);
    expect(sample).toEqual({ row: 25_001, values: { employee_id: 'E25000', name: 'Person 25000', salary: '26000' } });
  });

  it('resumes from a row: the same rows as the tail of a full read', async () => {
    const path = file('resume.csv', 'id,note\n1,a\n2,"two\nlines"\n\n3,c\n4,d\n5,e\n');
    const full = await readAll(path);

    for (const fromRow of [1, 2, 3, 4, 5, 6, 7, 9, 100]) {
      expect(await readAll(path, { fromRow })).toEqual(full.filter((row) => row.row >= fromRow));
    }
    expect(full.map((row) => row.row)).toEqual([2, 3, 6, 7, 8]);
  });
});

describe('readTable on XLSX', () => {
  it('reads numbers, text, booleans, dates, formula results, rich text and links, and empty cells as null', async () => {
    const path = await workbook(
      'types.xlsx',
      {
        Employees: [
          ['id', 'name', 'active', 'hired', 'review', 'salary', 'bonus', 'label', 'probation_end', 'ratio', 'profile', 'check'],
          [
            1,
            { richText: [{ text: 'Ada ' }, { font: { bold: true }, text: 'Lovelace' }] },
            true,
            new Date(Date.UTC(2024, 2, 1)),
            new Date(Date.UTC(2024, 6, 15, 9, 30)),
            12345.67,
            { formula: 'F2*0.1', result: 1234.567 },
            { formula: 'B2&"!"', result: 'Ada Lovelace!' },
            { formula: 'D2+90', result: new Date(Date.UTC(2024, 4, 30)) },
            { formula: '1/0', result: { error: '#DIV/0!' } },
            { text: 'profile', hyperlink: 'https://example.com/ada' },
            { error: '#N/A' },
          ],
          [2, 'Bob', false, undefined, undefined, 0, undefined, '', undefined, undefined, undefined, undefined],
        ],
      },
      (sheet) => {
        sheet.getColumn(9).numFmt = 'yyyy-mm-dd';
      },
    );

    expect(await readAll(path)).toEqual([
      {
        row: 2,
        values: {
          id: 1,
          name: 'Ada Lovelace',
          active: true,
          hired: '2024-03-01',
          review: '2024-07-15T09:30:00',
          salary: 12345.67,
          bonus: 1234.567,
          label: 'Ada Lovelace!',
          probation_end: '2024-05-30',
          // The streaming reader keeps no error code for a formula that ended in one.
          ratio: null,
          profile: 'profile',
          check: '#N/A',
        },
      },
      {
        row: 3,
        values: { id: 2, name: 'Bob', active: false, hired: null, review: null, salary: 0, bonus: null, label: null, probation_end: null, ratio: null, profile: null, check: null },
      },
    ]);
  });

  it('reads the first sheet, or the one named or numbered in tab order', async () => {
    const path = await workbook('sheets.xlsx', { Summary: [['k'], ['s']], Bonuses: [['k'], ['b']], Notes: [['k'], ['n']] });

    expect(await readAll(path)).toEqual([{ row: 2, values: { k: 's' } }]);
    expect(await readAll(path, { sheet: 'Bonuses' })).toEqual([{ row: 2, values: { k: 'b' } }]);
    expect(await readAll(path, { sheet: 3 })).toEqual([{ row: 2, values: { k: 'n' } }]);
  });

  it('reads a workbook whatever the order of its parts, stored or deflated', async () => {
    const source = await workbook('order.xlsx', { Summary: [['k'], ['s']], Bonuses: [['k', 'when'], ['b', new Date(Date.UTC(2024, 2, 1))]] });
    const expected = [{ row: 2, values: { k: 'b', when: '2024-03-01' } }];
    // Shared strings and styles before the sheets and the workbook part last: a reader that walks
    // the archive front to back meets the sheet before it knows the sheet's name.
    const last = await rezip(source, 'workbook-last.xlsx', ['xl/_rels/workbook.xml.rels', 'xl/sharedStrings.xml', 'xl/styles.xml', 'xl/worksheets/sheet2.xml', 'xl/worksheets/sheet1.xml'], {
      stored: ['xl/worksheets/sheet2.xml'],
    });
    // The workbook part first and the relationships naming their targets from the archive's root.
    const rooted = await rezip(source, 'rooted.xlsx', ['xl/workbook.xml', 'xl/worksheets/sheet2.xml'], {
      edit: (path, content) => (path === 'xl/_rels/workbook.xml.rels' ? Buffer.from(content.toString().replaceAll('Target="worksheets/', 'Target="/xl/worksheets/')) : content),
    });

    for (const path of [source, last, rooted]) expect(await readAll(path, { sheet: 'Bonuses' })).toEqual(expected);
  });

  it.each([
    ['a name', 'Payroll', 'no sheet "Payroll"'],
    ['a position', 4, 'no sheet 4'],
  ])('fails on a sheet that is not there, by %s, listing the sheets', async (_case, sheet, asked) => {
    const path = await workbook(`missing-sheet-${String(sheet)}.xlsx`, { Summary: [['k']], Bonuses: [['k']], Notes: [['k']] });
    const err = await failure(path, { sheet });

    expect(err).toMatchObject({ code: 'table.sheet_not_found', file: path });
    expect(err.message).toBe(`${path}: ${asked} (the workbook has 3: "Summary", "Bonuses", "Notes")`);
  });

  it('numbers rows as the sheet does, skipping rows with nothing in them', async () => {
    const path = await workbook('gaps.xlsx', { Sheet1: [[], ['id', 'name'], ['1', 'Ada'], [null, null], [], ['2', 'Bob']] });

    expect(await readAll(path)).toEqual([
      { row: 3, values: { id: '1', name: 'Ada' } },
      { row: 6, values: { id: '2', name: 'Bob' } },
    ]);
  });

  it('fails on a bad header and on a value beyond the header, naming row and column', async () => {
    const duplicate = await workbook('dup.xlsx', { Sheet1: [['id', 'name', 'id'], [1, 'a', 2]] });
    const wide = await workbook('wide.xlsx', { Sheet1: [['id', 'name'], [1, 'a'], [2, 'b', null, 'stray']] });

    expect(await failure(duplicate)).toMatchObject({ code: 'table.bad_header', row: 1, column: 3 });
    const err = await failure(wide);
    expect(err).toMatchObject({ code: 'table.ragged_row', row: 3, column: 4 });
    expect(err.message).toMatch(/row 3, column 4 \(D\): a value \("stray"\) beyond the 2 columns the header names/);
  });

  it('fails on a corrupt file and on a file that is not a workbook', async () => {
    const whole = readFileSync(await workbook('whole.xlsx', { Sheet1: [['id'], [1]] }));
    const truncated = file('truncated.xlsx', whole.subarray(0, Math.floor(whole.length / 2)));
    const text = file('text.xlsx', 'id,name\n1,Ada\n');

    for (const path of [truncated, text]) {
      const err = await failure(path);
      expect(err).toMatchObject({ code: 'table.unreadable', file: path });
      expect(err.message).toMatch(`${path}: cannot be read as an XLSX workbook (damaged, or not one): `);
    }
  });

  it('streams 50,000 rows written by a streaming writer', async () => {
    const path = join(dir, 'large.xlsx');
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true, useStyles: true });
    const sheet = writer.addWorksheet('Employees');
    sheet.addRow(['employee_id', 'name', 'salary', 'hired']).commit();
    for (let i = 1; i <= 50_000; i++) sheet.addRow([`E${i}`, `Person ${i}`, 1000 + i, new Date(Date.UTC(2020, 0, 1 + (i % 365)))]).commit();
    sheet.commit();
    await writer.commit();

    let count = 0;
    let sample: TableRow | undefined;
    for await (const row of readTable(path)) {
      count++;
      if (row.row === 25_001) sample = row;
    }

    expect(count).toBe(50_000);
    const hired = new Date(Date.UTC(2020, 0, 1 + (25_000 % 365))).toISOString().slice(0, 10);
    expect(sample).toEqual({ row: 25_001, values: { employee_id: 'E25000', name: 'Person 25000', salary: 26000, hired } });
  });

  it('resumes from a row: the same rows as the tail of a full read', async () => {
    const path = await workbook('resume.xlsx', { Sheet1: [['id', 'name'], [1, 'a'], [2, 'b'], [], [4, 'd'], [5, 'e']] });
    const full = await readAll(path);

    for (const fromRow of [1, 2, 3, 4, 5, 6, 7]) {
      expect(await readAll(path, { fromRow })).toEqual(full.filter((row) => row.row >= fromRow));
    }
    expect(full.map((row) => row.row)).toEqual([2, 3, 5, 6]);
  });
});

describe('readTable stops when its signal aborts', () => {
  it.each(['csv', 'xlsx'] as const)('between rows (%s), throwing the signal’s reason', async (format) => {
    const path =
      format === 'csv'
        ? file('abort.csv', `id\n${Array.from({ length: 100 }, (_, i) => i).join('\n')}\n`)
        : await workbook('abort.xlsx', { Sheet1: [['id'], ...Array.from({ length: 100 }, (_, i) => [i])] });
    const controller = new AbortController();
    const reason = new Error('run cancelled');
    const seen: number[] = [];

    const reading = (async () => {
      for await (const row of readTable(path, { signal: controller.signal })) {
        seen.push(row.row);
        if (seen.length === 10) controller.abort(reason);
      }
    })();

    await expect(reading).rejects.toBe(reason);
    expect(seen).toHaveLength(10);
  });

  it('before reading', async () => {
    const path = file('abort-before.csv', 'id\n1\n');

    await expect(readAll(path, { signal: AbortSignal.abort(new Error('cancelled')) })).rejects.toThrow('cancelled');
  });

  it.each(['csv', 'xlsx'] as const)('while the file has nothing more to give yet (%s, a named pipe)', async (format) => {
    const fifo = join(dir, `pipe-${format}`);
    execFileSync('mkfifo', [fifo]);
    // Read and write, so opening neither end waits for the other.
    const writer = openSync(fifo, 'r+');
    // csv-parse holds a row back until it sees what follows its line break, so one row comes out.
    const head = format === 'csv' ? Buffer.from('id\n1\n2\n') : readFileSync(await workbook('pipe.xlsx', { Sheet1: [['id'], [1]] })).subarray(0, 200);
    writeSync(writer, head);
    const controller = new AbortController();
    const reason = new Error('run cancelled');
    const seen: number[] = [];

    const reading = (async () => {
      for await (const row of readTable(fifo, { format, signal: controller.signal })) seen.push(row.row);
    })();
    // Let the reader take everything written so far and wait for more: the CSV reader shows it by
    // its first row; the XLSX one shows nothing, and an abort before its read fails the same way.
    if (format === 'csv') await vi.waitUntil(() => seen.length === 1);
    else await new Promise((resolve) => setTimeout(resolve, 200));
    controller.abort(reason);

    try {
      await expect(reading).rejects.toBe(reason);
      expect(seen).toEqual(format === 'csv' ? [2] : []);
    } finally {
      closeSync(writer);
    }
  });
});
