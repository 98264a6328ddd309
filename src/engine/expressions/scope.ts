/** What an expression can see. Bound as JSONata variables: $input, $steps, $item, $index, $run, $error. */
export interface Scope {
  input: unknown;
  steps: Record<string, unknown>;
  run: RunInfo;
  item?: unknown;
  index?: number;
  error?: unknown;
}

export interface RunInfo {
  id: string;
  flowId: string;
  flowVersion: string;
  startedAt: string;
}
