import { Alert, Button, Stack, Text } from '@mantine/core';
import Form from '@rjsf/mantine';
import type { ErrorSchema, RJSFSchema } from '@rjsf/utils';
import { useMutation } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { ApiFailure } from '../api/api-failure';
import { answerOf, api } from '../api/client';
import { formMessages } from '../forms/form-messages';
import { JsonSchemaValidator } from '../forms/json-schema-validator';
import { useI18n } from '../i18n/I18nProvider';


/** The server's field problems (`/a/b` pointers) where the form shows each field's errors. */
function errorSchemaOf(problems: { pointer: string; message: string }[]): ErrorSchema {
  const root: Record<string, unknown> = {};
  for (const { pointer, message } of problems) {
    let node = root;
    for (const part of pointer.split('/').filter(Boolean).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))) {
      node[part] ??= {};
      node = node[part] as Record<string, unknown>;
    }
    node.__errors = [...((node.__errors as string[] | undefined) ?? []), message];
  }
  return root as ErrorSchema;
}

function problemsOf(error: unknown): { pointer: string; message: string }[] | undefined {
  if (!(error instanceof ApiFailure) || error.code !== 'flow.invalid_input') return undefined;
  return error.details.problems as { pointer: string; message: string }[] | undefined;
}

/**
 * The flow's input as a form generated from its input schema: checked as one types, and checked
 * again by the server, whose problems appear at the fields they name.
 */
export function StartRunForm({ flowId, schema, onStarted }: { flowId: string; schema: Record<string, unknown> | undefined; onStarted: (runId: string) => void }) {
  const { t } = useI18n();
  // Flow input schemas are JSON Schema 2020-12, as the server checks them; checked without eval, in the console's language.
  const validator = useMemo(() => new JsonSchemaValidator(formMessages(t)), [t]);
  const [input, setInput] = useState<unknown>({});
  const start = useMutation({
    mutationFn: (given: unknown) => answerOf(api.POST('/api/v1/flows/{id}/runs', { params: { path: { id: flowId } }, body: { input: given } })),
    onSuccess: (run) => onStarted(run.id),
  });
  const problems = problemsOf(start.error);
  const otherError = start.error && !problems ? start.error : undefined;
  if (!schema) {
    return (
      <Stack>
        <Text>{t('flows.noInput')}</Text>
        {otherError && <Alert color="red" role="alert" translate="no">{otherError.message}</Alert>}
        <Button onClick={() => start.mutate({})} loading={start.isPending} w="fit-content">
          {t('flows.startSubmit')}
        </Button>
      </Stack>
    );
  }
  return (
    <Stack>
      {problems && (
        <Alert color="red" role="alert">
          {t('flows.fixFields')}
        </Alert>
      )}
      {otherError && <Alert color="red" role="alert" translate="no">{otherError.message}</Alert>}
      <Form
        schema={schema as RJSFSchema}
        validator={validator}
        formData={input}
        onChange={(event) => setInput(event.formData)}
        onSubmit={(event) => start.mutate(event.formData ?? {})}
        liveValidate="onChange"
        showErrorList={false}
        noHtml5Validate
        focusOnFirstError
        {...(problems ? { extraErrors: errorSchemaOf(problems) } : {})}
      >
        <Button type="submit" loading={start.isPending} mt="md">
          {t('flows.startSubmit')}
        </Button>
      </Form>
    </Stack>
  );
}
