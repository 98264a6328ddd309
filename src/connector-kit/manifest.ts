/** TypeScript view of schemas/connector.schema.json (the definition). */
export type ConnectorCategory = 'recruiting' | 'core-hr' | 'e-signature' | 'payroll' | 'spreadsheet' | 'directory' | 'generic';

export interface ActionManifest {
  title: string;
  description?: string;
  sideEffect: boolean;
  input: Record<string, unknown>;
  output: Record<string, unknown>;
  /** For a read action that answers one page: where the page's items, the next page's token and "more to come" are. */
  pages?: ActionPages;
  /** For a read action whose items hold only the fields its input asks for, besides those it always returns. */
  selects?: ActionSelects;
}

/** Lark's `fields`: the input field naming what each item holds (dotted names pick sub-fields), and what it holds regardless. */
export interface ActionSelects {
  input: string;
  always?: string[];
}

/** Field names of a paginated read action: input `token` asks for a page, output `items` / `more` / `token` describe it. */
export interface ActionPages {
  items: string;
  token: string;
  more: string;
}

/** Batch sizes of one operation: what a sync sends unless told otherwise, and the vendor's limit. */
export interface BatchSize {
  default: number;
  max: number;
}

/** A destination a `sync` step writes records to (see SyncDestination for its code). */
export interface SyncDestinationManifest {
  title: string;
  description?: string;
  /** JSON Schema of the destination's `with`: which table, which datasource. */
  target: Record<string, unknown>;
  /** JSON Schema of one record's fields as the vendor takes them; mapped records are checked against it. */
  fields: Record<string, unknown>;
  batchSize: { create: BatchSize; update: BatchSize; delete?: BatchSize };
  /** The vendor applies a batch whole or not at all, so one bad record sinks its batch. */
  wholeBatches?: boolean;
}

export interface ConnectorManifest {
  id: string;
  title: string;
  description?: string;
  category: ConnectorCategory;
  connection: { required: boolean; schema: Record<string, unknown> };
  actions: Record<string, ActionManifest>;
  events?: Record<string, { description?: string; payload: Record<string, unknown> }>;
  rateLimits?: { scope: string; limit: number; perSeconds: number; description?: string }[];
  syncDestinations?: Record<string, SyncDestinationManifest>;
}
