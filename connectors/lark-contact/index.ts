import { defineConnector } from '../../src/connector-kit/define-connector.js';
import { larkCheck, larkClientRateLimits } from '../lark-shared/lark-connection.js';
import manifest from './manifest.json' with { type: 'json' };
import { sendMessage } from './message.js';
import { deleteUser, frozenWriteLimit, getUser, resumeUser, resurrectUser, suspendUser, userIdsByEmailOrMobile } from './user.js';

export default defineConnector({
  manifest,
  actions: {
    'user.get': getUser,
    'user.ids_by_email_or_mobile': userIdsByEmailOrMobile,
    'user.suspend': suspendUser,
    'user.resume': resumeUser,
    'user.delete': deleteUser,
    'user.resurrect': resurrectUser,
    'message.send': sendMessage,
  },
  check: larkCheck,
  clientRateLimits: (connection) => [...larkClientRateLimits(connection), frozenWriteLimit(connection)],
});
