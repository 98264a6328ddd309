import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny stand-in HR system for `staffwire demo`: an offer to read, pre-hires to create and
 * messages to send, each de-duplicated by Idempotency-Key as a well-behaved vendor would.
 */
export interface DemoHrApi {
  url: string;
  preHires: Map<string, { id: string; name: string }>;
  messages: { to: string; text: string }[];
  close(): Promise<void>;
}

const OFFERS: Record<string, unknown> = {
  'offer-1001': {
    id: 'offer-1001',
    status: 'accepted',
    candidate: { name: 'Ada Lovelace', email: 'ada@example.com' },
    job: { title: 'Staff Engineer', department: 'Platform' },
    startDate: '2026-12-07',
    recipients: ['hr@example.com', 'manager.platform@example.com'],
  },
  'offer-1002': {
    id: 'offer-1002',
    status: 'declined',
    candidate: { name: 'Alan Turing', email: 'alan@example.com' },
    job: { title: 'Researcher', department: 'Labs' },
    startDate: '2026-12-14',
    recipients: ['hr@example.com'],
  },
};

export async function startDemoHrApi(): Promise<DemoHrApi> {
  const preHires = new Map<string, { id: string; name: string }>();
  const sent = new Map<string, { to: string; text: string }>();
  const server: Server = createServer((req, res) => void route(req, res));

  async function route(req: IncomingMessage, res: ServerResponse) {
    const body = await readJson(req);
    const key = String(req.headers['idempotency-key'] ?? '');
    const offer = /^\/offers\/([\w-]+)$/.exec(req.url ?? '');
    if (req.method === 'GET' && offer) return send(res, OFFERS[offer[1]!] ? 200 : 404, OFFERS[offer[1]!] ?? { error: 'no such offer' });
    if (req.method === 'POST' && req.url === '/pre-hires') {
      const existing = preHires.get(key) ?? { id: `ph-${preHires.size + 1}`, name: String(body?.name ?? '') };
      preHires.set(key, existing);
      return send(res, 201, existing);
    }
    if (req.method === 'POST' && req.url === '/messages') {
      if (!sent.has(key)) sent.set(key, { to: String(body?.to ?? ''), text: String(body?.text ?? '') });
      return send(res, 201, { delivered: true });
    }
    return send(res, 404, { error: 'not found' });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    preHires,
    get messages() {
      return [...sent.values()];
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
