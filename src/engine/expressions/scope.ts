/**
 * What an expression can see. Bound as JSONata variables: $input, $steps, $item, $index, $run,
 * $error, and inside a sync $record (the source record), $row (its row in a file) and $cursor.
 */
export interface Scope {
  input: unknown;
  steps: Record<string, unknown>;
  run: RunInfo;
  item?: unknown;
  index?: number;
  error?: unknown;
  record?: unknown;
  row?: number;
  cursor?: unknown;
}

export interface RunInfo {
  id: string;
  flowId: string;
  flowVersion: string;
  startedAt: string;
}
