import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline, Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import type unzipper from 'unzipper';

/** One part (file) of a zip archive, read on demand. */
export interface ZipPart {
  path: string;
  /** Its content, decompressed; destroying the stream closes the file. */
  open(signal?: AbortSignal): Promise<Readable>;
}

const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const LOCAL_HEADER_LENGTH = 30;
const STORED = 0;
const DEFLATED = 8;

/**
 * The parts of a zip file by path, found through its central directory, so each can be read in
 * whatever order the caller needs, whatever order the archive holds them in. unzipper reads the
 * directory (zip64 included); a part's bytes are read here, through a stream this module owns,
 * because unzipper's own part streams cannot be closed before they end.
 */
export async function zipParts(path: string): Promise<Map<string, ZipPart>> {
  // Loaded when a workbook is read: it and its dependencies take ~150 ms to load, which every CLI command would pay.
  const { default: unzip } = await import('unzipper');
  const directory = await unzip.Open.file(path);
  const parts = new Map<string, ZipPart>();
  for (const file of directory.files) {
    if (file.type === 'Directory') continue;
    parts.set(file.path, { path: file.path, open: (signal) => openPart(path, file, signal) });
  }
  return parts;
}

async function openPart(path: string, file: unzipper.File, signal: AbortSignal | undefined): Promise<Readable> {
  if ((file.flags & 0x1) !== 0) throw new Error(`${file.path} is encrypted`);
  if (file.compressionMethod !== STORED && file.compressionMethod !== DEFLATED) {
    throw new Error(`${file.path} uses compression method ${file.compressionMethod}, which only stored and deflated parts are read in`);
  }
  const start = await dataOffset(path, file);
  if (file.compressedSize === 0) return Readable.from([]);
  const raw = createReadStream(path, { start, end: start + file.compressedSize - 1, ...(signal ? { signal } : {}) });
  if (file.compressionMethod === STORED) return raw;
  // pipeline destroys the file stream when the inflated one is destroyed or fails.
  return pipeline(raw, createInflateRaw(), () => undefined);
}

/** Where a part's data starts: after its local header, whose name and extra field may differ in length from the directory's. */
async function dataOffset(path: string, file: unzipper.File): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const header = Buffer.alloc(LOCAL_HEADER_LENGTH);
    const { bytesRead } = await handle.read(header, 0, LOCAL_HEADER_LENGTH, file.offsetToLocalFileHeader);
    if (bytesRead < LOCAL_HEADER_LENGTH || header.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE) {
      throw new Error(`${file.path} has no local header at offset ${file.offsetToLocalFileHeader}`);
    }
    return file.offsetToLocalFileHeader + LOCAL_HEADER_LENGTH + header.readUInt16LE(26) + header.readUInt16LE(28);
  } finally {
    await handle.close();
  }
}
