import type { RunRecord } from '../../src/store/records.js';

/** A queued run as the store tests write it first: non-ASCII input, no optional fields. */
export const RUN: RunRecord = {
  id: 'run_1',
  flowId: 'offer-to-onboard',
  flowVersion: '1',
  flowHash: 'sha256:aa',
  status: 'queued',
  input: { offerId: 'of_1', name: 'Zoë 张伟' },
  createdAt: '2025-03-01T09:00:00.000Z',
  updatedAt: '2025-03-01T09:00:00.000Z',
};
