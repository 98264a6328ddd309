import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCall {
  path: string;
  idempotencyKey: string | undefined;
  body: unknown;
}

/** Decides how to answer one request; `respond` may be called later, or never. */
export type CallHandler = (call: ReceivedCall, respond: (status?: number, body?: unknown) => void, nth: number) => void;

/**
 * A loopback HTTP server that counts calls per path, records the idempotency key each carried,
 * and counts the calls it finished answering (a call answered is a call that completed).
 */
export class CountingServer {
  readonly received: ReceivedCall[] = [];
  readonly answered = new Map<string, number>();
  private server: Server | undefined;
  private handler: CallHandler = (_call, respond) => respond();

  onCall(handler: CallHandler): void {
    this.handler = handler;
  }

  calls(path: string): ReceivedCall[] {
    return this.received.filter((c) => c.path === path);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.accept(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async accept(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const call: ReceivedCall = {
      path: new URL(req.url ?? '/', 'http://x').pathname,
      idempotencyKey: req.headers['idempotency-key'] as string | undefined,
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
    this.received.push(call);
    const nth = this.calls(call.path).length;
    this.handler(call, (status = 200, body = { ok: true, path: call.path, nth }) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body), () => this.answered.set(call.path, (this.answered.get(call.path) ?? 0) + 1));
    }, nth);
  }
}

/**
 * A flow step that POSTs `{ runId, step }` to `/<id>` on the `svc` connection (a CountingServer),
 * so the server can tell runs and steps apart.
 */
export function countedCall(id: string) {
  return {
    id,
    kind: 'call',
    action: 'http.request',
    connection: 'svc',
    with: { method: 'POST', url: `/${id}`, body: { runId: '${ $run.id }', step: id } },
  };
}
