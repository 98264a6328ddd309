import type { ActionContext } from '../../src/connector-kit/connector.js';
import { InputError, VendorError } from '../../src/errors/index.js';
import { larkClient } from '../lark-shared/lark-connection.js';

export interface SendMessageInput {
  receive_id_type: 'open_id' | 'user_id' | 'union_id' | 'email' | 'chat_id';
  receive_id: string;
  msg_type: 'text' | 'post' | 'interactive';
  content: Record<string, unknown> | string;
}

/** Lark's request-body limits for im/v1/messages: 150 KB for text, 30 KB for rich text (post) and cards. */
export const MESSAGE_BODY_LIMIT_BYTES: Record<SendMessageInput['msg_type'], number> = {
  text: 150 * 1024,
  post: 30 * 1024,
  interactive: 30 * 1024,
};

/** Lark's answer when one user or chat receives more than 5 messages a second (a business code, not HTTP 429). */
export const RECEIVER_FREQUENCY_LIMIT_CODE = 230020;

/**
 * POST /open-apis/im/v1/messages. The step's idempotency key is the message `uuid`: Lark sends at
 * most one message per uuid within an hour, so a re-attempt after a crash returns the same message.
 */
export async function sendMessage(input: SendMessageInput, context: ActionContext): Promise<Record<string, unknown>> {
  const body = {
    receive_id: input.receive_id,
    msg_type: input.msg_type,
    content: serialisedContent(input.content),
    uuid: context.idempotencyKey,
  };
  const bytes = Buffer.byteLength(JSON.stringify(body));
  const limit = MESSAGE_BODY_LIMIT_BYTES[input.msg_type];
  if (bytes > limit) {
    throw new InputError(
      `a ${input.msg_type} message may be at most ${limit / 1024} KB (${limit} bytes of request body) in Lark; this one is ${bytes} bytes: shorten content`,
      'lark.message_too_large',
    );
  }
  try {
    return await larkClient(context).call({
      method: 'POST',
      path: '/open-apis/im/v1/messages',
      query: { receive_id_type: input.receive_id_type },
      body,
      signal: context.signal,
    });
  } catch (err) {
    if (err instanceof VendorError && err.vendorCode === RECEIVER_FREQUENCY_LIMIT_CODE) {
      // Lark's per-receiver limit comes as a client error; it is a rate limit, so retry policies must see one.
      throw new VendorError(err.message, {
        vendorCode: err.vendorCode,
        ...(err.httpStatus === undefined ? {} : { httpStatus: err.httpStatus }),
        ...(err.logId === undefined ? {} : { logId: err.logId }),
        category: 'rate_limit',
        retryAfterMs: 1000,
        cause: err,
      });
    }
    throw err;
  }
}

function serialisedContent(content: SendMessageInput['content']): string {
  if (typeof content !== 'string') return JSON.stringify(content);
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InputError(
      'content is a string but not a JSON object; pass an object such as {"text": "Welcome!"} or its JSON serialisation',
      'lark.message_content_invalid',
    );
  }
  return content;
}
