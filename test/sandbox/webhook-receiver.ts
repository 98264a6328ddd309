import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedDelivery {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

/** A loopback webhook endpoint that keeps each delivery's headers and exact bytes, and answers as told. */
export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  private server: Server | undefined;

  constructor(private readonly answer: (delivery: ReceivedDelivery) => Promise<{ status: number; body: unknown }> | { status: number; body: unknown } = () => ({ status: 200, body: { ok: true } })) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const delivery = { path: req.url ?? '/', headers: req.headers, rawBody: Buffer.concat(chunks) };
        this.received.push(delivery);
        void Promise.resolve(this.answer(delivery)).then(({ status, body }) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
