import type { components } from './schema';

type Schemas = components['schemas'];
export type Run = Schemas['Run'];
export type RunDetail = Schemas['RunDetail'];
export type Step = Schemas['Step'];
export type JournalEntry = Schemas['JournalEntry'];
export type Schedule = Schemas['Schedule'];
export type Delivery = Schemas['Delivery'];
export type FlowSummary = Schemas['FlowSummary'];
export type Connection = Schemas['Connection'];
export type ClientRateLimit = Connection['clientRateLimits'][number];
export type RunStatus = Run['status'];
export type Role = 'viewer' | 'operator' | 'admin';

export const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'];
export const FINISHED: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];
