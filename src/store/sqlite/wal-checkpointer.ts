import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The store's own connection checkpoints only when the WAL reaches this many pages: a backstop
 * for when the background checkpointer falls behind or cannot run. Checkpointing there blocks
 * the event loop for the copy and its fsyncs.
 */
export const BACKSTOP_CHECKPOINT_PAGES = 40_000;
/** Writes before the checkpointer starts: a short-lived store (a CLI command) never needs one. */
export const WRITES_BEFORE_CHECKPOINTER = 200;
/**
 * WAL pages not yet in the database that make the checkpointer copy them at its next look. Each
 * copy writes a page once however often it changed since the last, so waiting for a few
 * thousand keeps hot pages (index roots, a busy run's row) from being copied over and over.
 */
export const CHECKPOINT_PAGES = 4_000;
/** How often the checkpointer looks at the WAL. */
export const CHECKPOINT_LOOK_MS = 250;

export interface CheckpointResult {
  /** WAL frames when it ran, and how many of them are in the database now. */
  log: number;
  checkpointed: number;
}

/*
 * The worker's code, evaluated rather than loaded from a file so that it runs the same from the
 * TypeScript sources (tests) and from the build. It opens its own connection to the file: SQLite
 * lets a second connection checkpoint a WAL in use, and a PASSIVE checkpoint never waits for the
 * store's readers or writers. It copies when enough pages wait, or when writing has paused with
 * some waiting, so an idle store's WAL ends up folded in.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
// A checkpoint reads pages from the WAL and writes them straight out: it needs no cache to speak of.
db.pragma('cache_size = -256');
let before = 0;
const look = setInterval(() => {
  try {
    const [wal] = db.pragma('wal_checkpoint(NOOP)');
    const waiting = wal.log - wal.checkpointed;
    const paused = waiting > 0 && wal.log === before;
    before = wal.log;
    if (waiting < workerData.pages && !paused) return;
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ log: result.log, checkpointed: result.checkpointed });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message) });
  }
}, workerData.lookMs);
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  clearInterval(look);
  db.close();
  parentPort.close();
});
`;

/**
 * Copies a store's WAL into its database on a worker thread, so that the copy and its fsyncs
 * take no time from the event loop that answers webhooks and runs flows. Once every frame is
 * copied, the store's next write starts the WAL over, so it stays short. A checkpoint that fails
 * (another process holds the checkpoint lock) loses nothing: the WAL keeps the commits, and the
 * next checkpoint, or the store's backstop, copies them.
 */
export class WalCheckpointer {
  private worker: Worker | undefined;
  private writes = 0;
  private closed = false;
  private readonly waiting: ((result: CheckpointResult) => void)[] = [];

  constructor(
    private readonly file: string,
    private readonly busyTimeoutMs: number,
  ) {}

  /** Told after each committed write: the worker starts once the store has proved long-lived. */
  wrote(): void {
    if (this.worker || this.closed || ++this.writes < WRITES_BEFORE_CHECKPOINTER) return;
    this.start();
  }

  /** Resolves with the next checkpoint's result (for tests and diagnostics). */
  nextCheckpoint(): Promise<CheckpointResult> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    // Unreferenced, the worker would not keep the process alive while close waits for it to exit:
    // a process with nothing else to do would end there, close unfinished (exit code 13).
    worker.ref();
    worker.postMessage('close');
    await exited;
  }

  private start(): void {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file: this.file, driver, busyTimeoutMs: this.busyTimeoutMs, pages: CHECKPOINT_PAGES, lookMs: CHECKPOINT_LOOK_MS },
      // It allocates next to nothing: a small heap keeps the thread's memory small too.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 1, codeRangeSizeMb: 4 },
    });
    // A store not closed must not keep the process alive.
    worker.unref();
    worker.on('message', (answer: CheckpointResult | { error: string }) => {
      if (!('error' in answer)) for (const resolve of this.waiting.splice(0)) resolve(answer);
    });
    // A worker that cannot open the file, or fails, leaves checkpoints to the store's backstop.
    worker.on('error', () => {
      this.closed = true;
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
    });
    this.worker = worker;
  }
}
