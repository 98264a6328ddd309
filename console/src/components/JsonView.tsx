import { Code } from '@mantine/core';

/** Data as the API gave it (personal fields already masked for viewers), never translated. */
export function JsonView({ value, label }: { value: unknown; label: string }) {
  if (value === undefined) return null;
  return (
    <Code block translate="no" aria-label={label} style={{ maxHeight: 320, overflow: 'auto' }} tabIndex={0}>
      {JSON.stringify(value, null, 2)}
    </Code>
  );
}
