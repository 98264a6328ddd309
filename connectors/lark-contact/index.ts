import type { Connector } from '../../src/connector-kit/connector.js';
import type { ConnectorManifest } from '../../src/connector-kit/manifest.js';
import manifest from './manifest.json' with { type: 'json' };
import { sendMessage } from './message.js';
import { deleteUser, getUser, resumeUser, resurrectUser, suspendUser, userIdsByEmailOrMobile } from './user.js';

const connector: Connector = {
  manifest: manifest as unknown as ConnectorManifest,
  actions: {
    'user.get': getUser,
    'user.ids_by_email_or_mobile': userIdsByEmailOrMobile,
    'user.suspend': suspendUser,
    'user.resume': resumeUser,
    'user.delete': deleteUser,
    'user.resurrect': resurrectUser,
    'message.send': sendMessage,
  },
};

export default connector;
