import { Button, Group, Modal, Stack, Text, type ButtonProps } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useI18n } from '../i18n/I18nProvider';

/** A button whose action runs only after the person confirms it in a dialog. */
export function ConfirmButton({ label, question, onConfirm, loading, ...props }: ButtonProps & { label: string; question: string; onConfirm: () => void; loading?: boolean }) {
  const { t } = useI18n();
  const [opened, { open, close }] = useDisclosure(false);
  return (
    <>
      <Button {...props} loading={loading ?? false} onClick={open}>
        {label}
      </Button>
      <Modal opened={opened} onClose={close} title={label} closeButtonProps={{ 'aria-label': t('common.close') }}>
        <Stack>
          <Text>{question}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              {t('common.cancel')}
            </Button>
            <Button
              color={props.color ?? 'blue'}
              onClick={() => {
                close();
                onConfirm();
              }}
            >
              {t('common.confirm')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
