/**
 * A stand-in for a vendor API, in its own process so its work does not share the measured
 * server's event loop: `POST` anything JSON and it answers `{ ok: true, received: <body> }`;
 * `GET /calls` answers how many POSTs it has taken. Started with `startJsonEchoServer()`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface JsonEchoServer {
  url: string;
  /** POSTs taken since it started. */
  calls(): Promise<number>;
  stop(): Promise<void>;
}

export async function startJsonEchoServer(): Promise<JsonEchoServer> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`the echo server exited (${code}) before listening`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    async calls() {
      return ((await (await fetch(`${url}/calls`)).json()) as { calls: number }).calls;
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    },
  };
}

function serve(): void {
  let calls = 0;
  const server = createServer((request, response) => {
    if (request.method === 'GET') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ calls }));
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      calls++;
      const text = Buffer.concat(chunks).toString('utf8');
      response.writeHead(200, { 'content-type': 'application/json' }).end(`{"ok":true,"received":${text || 'null'}}`);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
  process.on('disconnect', () => process.exit(0));
}

if (process.argv.includes('--serve')) serve();
