import type { JSONSchemaType } from 'ajv';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxFaults, VendorFaultAnswers } from './sandbox-context.js';

export interface FaultHookOptions {
  faults: SandboxFaults;
  /** Each vendor's answers, from its connector's sandbox module; may grow after the hook is added. */
  answers: readonly VendorFaultAnswers[];
  /** Decides the error-rate draws; tests pass a fixed sequence. */
  random(): number;
  /** Waits out the injected latency; tests pass one that records instead of waiting. */
  sleep(ms: number): Promise<void>;
}

/**
 * Applies the configured faults to vendor requests, before any fake sees them: latency first,
 * then the 429 burst (counted down one request at a time), then the error rate.
 */
export function addFaultHook(app: FastifyInstance, options: FaultHookOptions): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const { faults } = options;
    if (faults.latencyMs === 0 && faults.burst429 === 0 && faults.errorRate === 0) return;
    const path = request.url.split('?', 1)[0]!;
    const vendor = options.answers.find((answers) => path.startsWith(answers.pathPrefix));
    if (!vendor || vendor.exemptPaths.includes(path)) return;
    if (faults.latencyMs > 0) await options.sleep(faults.latencyMs);
    if (faults.burst429 > 0) {
      faults.burst429--;
      return vendor.rateLimited(reply);
    }
    if (faults.errorRate > 0 && options.random() < faults.errorRate) return vendor.serverError(reply);
  });
}

/** Body of `POST /_sandbox/faults`: each fault given replaces the current one; an omitted fault is off. */
export const faultsBodySchema: JSONSchemaType<Partial<SandboxFaults>> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    errorRate: { type: 'number', nullable: true, minimum: 0, maximum: 1, description: 'Share of vendor requests answered with a 5xx in the vendor envelope.' },
    latencyMs: { type: 'integer', nullable: true, minimum: 0, maximum: 120_000, description: 'Delay added to every vendor request.' },
    burst429: { type: 'integer', nullable: true, minimum: 0, maximum: 1_000_000, description: 'The next this-many vendor requests are answered 429.' },
  },
};
