/** TypeScript view of schemas/connector.schema.json (the definition). */
export type ConnectorCategory = 'recruiting' | 'core-hr' | 'e-signature' | 'payroll' | 'spreadsheet' | 'directory' | 'generic';

export interface ActionManifest {
  title: string;
  description?: string;
  sideEffect: boolean;
  input: Record<string, unknown>;
  output: Record<string, unknown>;
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
}
