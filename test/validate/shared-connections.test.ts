import { describe, expect, it } from 'vitest';
import { discoverConnectors } from '../../src/connector-kit/registry.js';
import { checkFlowText, formatProblem } from '../../src/engine/validate/validate-flow.js';

const limits = { timeoutMs: 1000, maxDepth: 500, maxSequence: 1_000_000 };
const lark = { connector: 'lark-corehr', appId: 'cli_x', appSecret: { env: 'LARK_APP_SECRET' } };

describe('connections shared between connectors', () => {
  it('lets one Lark connection serve every lark-* connector, for actions and for event triggers', async () => {
    const connectors = await discoverConnectors();
    const flow = {
      id: 'offer-accepted',
      version: '1',
      triggers: [{ kind: 'event', connection: 'lark', event: 'hire.offer.status_changed_v1', when: '${ $input.offer_status = 7 }' }],
      steps: [
        { id: 'offer', kind: 'call', action: 'lark-hire.offer.get', connection: 'lark', with: { offer_id: '${ $input.offer_id }' } },
        { id: 'tell', kind: 'call', action: 'lark-contact.message.send', connection: 'lark', with: { receive_id_type: 'email', receive_id: 'hr@example.com', msg_type: 'text', content: { text: 'accepted' } } },
      ],
    };
    const { problems } = checkFlowText(JSON.stringify(flow, null, 2), 'flow.json', { connectors, connections: { lark }, limits });
    expect(problems.map(formatProblem)).toEqual([]);
  });

  it('still refuses a connection whose connector has another kind of credentials', async () => {
    const connectors = await discoverConnectors();
    const flow = { id: 'mixed', version: '1', steps: [{ id: 'get', kind: 'call', action: 'docusign.envelope.get', connection: 'lark', with: { envelopeId: 'e1' } }] };
    const { problems } = checkFlowText(JSON.stringify(flow), 'flow.json', { connectors, connections: { lark }, limits });
    expect(problems.map((p) => p.message)).toContain(
      'connection "lark" is for connector "lark-corehr"; docusign.envelope.get needs a connection for connector "docusign"',
    );
  });
});
