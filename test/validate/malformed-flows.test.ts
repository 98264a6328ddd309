import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { discoverConnectors } from '../../src/connector-kit/registry.js';
import type { CompileEnvironment } from '../../src/engine/compile-flow.js';
import { checkFlowText, formatProblem } from '../../src/engine/validate/validate-flow.js';

const invalidDir = fileURLToPath(new URL('../fixtures/invalid-flows/', import.meta.url));
const validDir = fileURLToPath(new URL('../fixtures/valid-flows/', import.meta.url));

/**
 * Every malformed flow fixture and exactly what `staffwire validate` prints for it, without the
 * leading `<file>:`. Each location is where the user has to look, each message what to fix.
 */
const expected: Record<string, string[]> = {
  'action-without-connector.json': [
    '8:7  /steps/0/action  string "request" is not in the form <connector>.<action>, e.g. http.request',
  ],
  'bad-duration.json': [
    '5:38  /steps/0/for  string "5 minutes" is not a duration such as 500ms, 30s, 5m, 2h or 1d, or a number of milliseconds',
  ],
  'bad-flow-id.json': [
    '2:3  /id  string "Offer_To_Onboard" is not a flow id: up to 80 lowercase letters, digits and dashes, starting with a letter or digit',
  ],
  'bad-for-each.json': [
    '8:7  /steps/0/each  string "$input.offers" is not an expression ${ … } or a literal array',
  ],
  'bad-method.json': [
    '10:17  /steps/0/with/method  expected one of "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", got string "FETCH"',
  ],
  'bad-parallel-branches.json': [
    '9:9  /steps/0/branches/chat-account  name "chat-account" is not letters, digits and underscores, starting with a letter or underscore',
    '12:9  /steps/0/branches/email  needs at least 1 item',
  ],
  'bad-raise-error-code.json': [
    '5:38  /steps/0/error  string "offer not accepted" is not an error code such as OfferNotAccepted: letters, digits, dots, dashes and underscores, starting with a letter',
  ],
  'bad-step-id.json': [
    '5:7  /steps/0/id  string "send-email" is not a step id: up to 64 letters, digits and underscores, starting with a letter or underscore (so that $steps.<id> works)',
  ],
  'bad-sub-flow-id.json': [
    '5:39  /steps/0/flow  string "flows/onboard.json" is not a flow id: up to 80 lowercase letters, digits and dashes, starting with a letter or digit',
  ],
  'bad-until-timestamp.json': [
    '5:38  /steps/0/until  "next monday" is not an ISO 8601 timestamp with a time zone, such as 2025-03-01T09:00:00Z',
  ],
  'call-without-action.json': [
    '5:5  /steps/0  missing required property "action"',
  ],
  'call-without-input.json': [
    '5:5  /steps/0  missing "with": http.request needs input "url"',
  ],
  'comment.json': [
    '4:3  /  invalid JSON: comments are not allowed in JSON',
  ],
  'connection-of-wrong-connector.json': [
    '9:7  /steps/0/connection  connection "other" is for connector "not-http"; http.request needs a connection for connector "http"',
  ],
  'content-after-end.json': [
    '8:1  /  invalid JSON: unexpected content after the end of the JSON value near "}"',
  ],
  'deeply-nested-problems.json': [
    '16:50  /steps/0/cases/0/steps/0/steps/0/for  string "10 s" is not a duration such as 500ms, 30s, 5m, 2h or 1d, or a number of milliseconds',
    '19:93  /steps/0/cases/0/steps/0/catch/0/retry/maxAttempts  must be at least 1, got number (0)',
  ],
  'duplicate-nested-step-id.json': [
    '13:11  /steps/1/catch/0/id  step id "notify" is already used at /steps/0',
  ],
  'duplicate-property.json': [
    '10:7  /steps/0/with  duplicate property "with" (first at line 9): JSON keeps only the last one, so remove one',
  ],
  'duplicate-step-id.json': [
    '6:7  /steps/1/id  step id "greet" is already used at /steps/0',
  ],
  'empty-file.json': [
    '1:1  /  invalid JSON: the file is empty',
  ],
  'empty-steps.json': [
    '4:3  /steps  needs at least 1 item',
  ],
  'event-trigger-unknown-event.json': [
    '5:44  /triggers/0/event  connection "hr" delivers no event "offer.accepted": `staffwire connectors show http` lists the events',
    '5:98  /triggers/0/when  invalid expression: Unexpected end of expression (JSONata S0207)',
    '6:24  /triggers/1/connection  unknown connection "recruiting": add it under "connections" in staffwire.config.json (configured: hr, other, esign)',
  ],
  'event-trigger-without-event.json': [
    '6:5  /triggers/1  missing required property "event"',
    '6:44  /triggers/1/when  string "offer accepted" is not a JSONata expression written as ${ … }',
  ],
  'expression-syntax-error-after-escape.json': [
    '8:64  /steps/0/values/text  invalid expression: Expected ")" before end of expression (JSONata S0203)',
  ],
  'expression-syntax-error.json': [
    '8:61  /steps/0/values/text  invalid expression: The symbol "&" cannot be used as a unary operator (JSONata S0211)',
  ],
  'for-concurrency-zero.json': [
    '9:7  /steps/0/concurrency  must be at least 1, got number (0)',
    '10:7  /steps/0/onFailure  expected one of "stop", "collect", got string "ignore"',
  ],
  'for-without-each.json': [
    '5:5  /steps/0  missing required property "each"',
  ],
  'input-schema-of-another-draft.json': [
    '5:5  /input/$schema  "input" is JSON Schema 2020-12: leave "$schema" out or set it to "https://json-schema.org/draft/2020-12/schema"',
  ],
  'input-schema-with-broken-ref.json': [
    "4:3  /input  not a usable JSON Schema: can't resolve reference #/$defs/offer from id #",
  ],
  'input-wrong-type.json': [
    '10:37  /steps/0/with/timeoutMs  expected an integer, got string "fast"',
  ],
  'invalid-escape.json': [
    '5:61  /  invalid JSON: invalid escape "\\e" in string (write a backslash as "\\\\")',
  ],
  'invalid-input-schema.json': [
    '6:34  /input/properties/offerId/type  not a valid JSON Schema: expected one of "array", "boolean", "integer", "null", "number", "object", "string", got string "text"',
  ],
  'leading-zero-number.json': [
    '5:62  /  invalid JSON: a number cannot start with 0; write it as a string if the zero matters',
  ],
  'missing-comma.json': [
    '3:17  /  invalid JSON: missing "," after this value',
  ],
  'missing-id-and-version.json': [
    '1:1  /  missing required property "id"',
    '1:1  /  missing required property "version"',
  ],
  'missing-required-input.json': [
    '10:7  /steps/0/with  missing required property "url"',
  ],
  'missing-step-id.json': [
    '5:5  /steps/0  missing required property "id"',
  ],
  'missing-step-kind.json': [
    '5:5  /steps/0  missing required property "kind" (kinds: call, set, switch, for, parallel, try, wait, run, raise, return, schedule, unschedule, listen, sync)',
  ],
  'missing-steps.json': [
    '1:1  /  missing required property "steps"',
  ],
  'negative-duration.json': [
    '5:38  /steps/0/for  number (-100) is not a duration such as 500ms, 30s, 5m, 2h or 1d, or a number of milliseconds',
  ],
  'nested-input-wrong-type.json': [
    '12:70  /steps/0/with/query/fields  expected a string, a number or a boolean, got an array',
    '13:22  /steps/0/with/headers/X-Trace  expected a string, got number (42)',
  ],
  'not-an-object.json': [
    '1:1  /  expected an object, got an array',
  ],
  'parallel-without-branches.json': [
    '5:5  /steps/0  missing required property "branches"',
  ],
  'python-literal.json': [
    '5:59  /  invalid JSON: unexpected word True: strings need double quotes, and true, false and null are lowercase',
  ],
  'raise-without-error.json': [
    '5:5  /steps/0  missing required property "error"',
  ],
  'reference-from-catch-to-later.json': [
    '12:66  /steps/0/catch/0/values/text  $steps.after refers to step "after", which runs later (at /steps/1)',
  ],
  'reference-into-for-loop.json': [
    '22:31  /steps/1/output/last  $steps.fetch refers to a step inside for loop "each_offer"; after the loop, read $steps.each_offer (one output per item)',
  ],
  'reference-to-enclosing-step.json': [
    '13:42  /steps/0/steps/0/values/done  $steps.each_offer refers to a step that encloses this one and has not finished yet',
  ],
  'reference-to-later-step.json': [
    '8:31  /steps/0/values/name  $steps.offer refers to step "offer", which runs later (at /steps/1)',
  ],
  'reference-to-missing-step.json': [
    '15:31  /steps/1/values/name  $steps.ofer refers to a step that does not exist (did you mean "offer"?)',
  ],
  'reference-to-other-parallel-branch.json': [
    '13:88  /steps/0/branches/welcome/0/values/text  $steps.create_account refers to a step in another branch of parallel step "provision", which runs at the same time',
  ],
  'reference-to-other-switch-case.json': [
    '17:70  /steps/0/default/0/values/text  $steps.welcome refers to a step in another case of switch step "route", which does not run when this one does',
  ],
  'reference-to-own-step.json': [
    '8:31  /steps/0/values/next  $steps.counter refers to this step itself; a step can read only steps that finished before it',
  ],
  'retry-bad-fields.json': [
    '5:5  /retry/backoffFactor  must be at least 1, got number (0.5)',
    '6:5  /retry/jitter  expected a boolean, got string "yes"',
    '7:5  /retry/maxDelay  string "forever" is not a duration such as 500ms, 30s, 5m, 2h or 1d, or a number of milliseconds',
    '8:22  /retry/on/1  string "server" is already listed (item 0)',
  ],
  'retry-max-attempts-zero.json': [
    '4:14  /retry/maxAttempts  must be at least 1, got number (0)',
  ],
  'retry-unknown-category.json': [
    '10:57  /steps/0/retry/on/1  expected one of "rate_limit", "server", "timeout", "network", "client", "expression", "validation", "raised", "internal", got string "5xx"',
  ],
  'run-without-flow.json': [
    '5:5  /steps/0  missing required property "flow"',
  ],
  'set-without-values.json': [
    '5:5  /steps/0  missing required property "values"',
    '5:37  /steps/0/value  unknown property "value" (did you mean "values"?)',
  ],
  'several-expression-errors.json': [
    '10:47  /steps/0/with/url  "${" has no matching "}"',
    '11:46  /steps/0/with/query/first  invalid expression: Expected "]" before end of expression (JSONata S0203)',
    '12:31  /steps/0/with/body/name  $steps.missing refers to a step that does not exist',
    '12:88  /steps/0/with/body/total  invalid expression: Syntax error: 12 (JSONata S0201)',
  ],
  'several-problems.json': [
    '9:7  /steps/0/connection  unknown connection "core_hr": add it under "connections" in staffwire.config.json (configured: hr, other, esign)',
    '10:55  /steps/0/with/method  expected one of "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", got string "get"',
    '13:7  /steps/1/id  step id "fetch" is already used at /steps/0',
    '15:69  /steps/1/values/bad  invalid expression: The symbol "]" cannot be used as a unary operator (JSONata S0211)',
  ],
  'single-quotes.json': [
    '5:7  /  invalid JSON: strings and property names need double quotes (")',
  ],
  'step-not-an-object.json': [
    '4:13  /steps/0  expected an object, got string "greet"',
  ],
  'switch-when-not-expression.json': [
    "10:11  /steps/0/cases/0/when  string \"$input.status = 'accepted'\" is not a JSONata expression written as ${ … }",
  ],
  'switch-without-cases.json': [
    '5:5  /steps/0  missing required property "cases"',
  ],
  'trailing-comma-in-object.json': [
    '5:64  /  invalid JSON: trailing comma before "}" (remove it)',
  ],
  'trailing-comma.json': [
    '5:68  /  invalid JSON: trailing comma before "]" (remove it)',
  ],
  'try-without-catch.json': [
    '5:5  /steps/0  missing required property "catch"',
  ],
  'unclosed-array.json': [
    '5:68  /  invalid JSON: missing "]" to close the array',
  ],
  'unclosed-object.json': [
    '7:1  /  invalid JSON: expected "}" to close the object at the end of the file',
  ],
  'unknown-action.json': [
    '8:7  /steps/0/action  connector "http" has no action "get" (actions: request)',
  ],
  'unknown-connection.json': [
    '9:7  /steps/0/connection  unknown connection "core_hr": add it under "connections" in staffwire.config.json (configured: hr, other, esign)',
  ],
  'unknown-connector.json': [
    '8:7  /steps/0/action  unknown connector "workday": `staffwire connectors list` shows the installed ones',
  ],
  'unknown-input-property.json': [
    '10:37  /steps/0/with/timeout  unknown property "timeout" (did you mean "timeoutMs"?)',
  ],
  'unknown-step-kind.json': [
    '5:22  /steps/0/kind  unknown kind "assign" (kinds: call, set, switch, for, parallel, try, wait, run, raise, return, schedule, unschedule, listen, sync)',
  ],
  'unknown-step-property.json': [
    '9:7  /steps/0/input  unknown property "input" (a call step may have: id, kind, description, retry, action, connection, with)',
  ],
  'unknown-top-level-property.json': [
    '4:3  /trigger  unknown property "trigger" (did you mean "triggers"?)',
  ],
  'unknown-trigger-kind.json': [
    '4:18  /triggers/0/kind  unknown kind "webhook" (kinds: manual, event, cron, hook)',
  ],
  'unquoted-property-name.json': [
    '5:7  /  invalid JSON: property name id needs double quotes ("id")',
  ],
  'unterminated-expression.json': [
    '8:37  /steps/0/values/text  "${" has no matching "}"',
  ],
  'unterminated-string.json': [
    '5:57  /  invalid JSON: unterminated string: close it with " on the same line',
  ],
  'until-without-time-zone.json': [
    '5:38  /steps/0/until  "2025-03-01T09:00:00" has no time zone: add Z for UTC or an offset such as +08:00',
  ],
  'version-not-a-string.json': [
    '3:3  /version  expected a string, got number (2)',
  ],
  'bad-cron-and-zone.json': [
    '5:23  /triggers/0/schedule  "0 25 * * *" is not a cron expression: CronPattern: Invalid value for hour: 25',
    '6:48  /triggers/1/timeZone  "Mars/Olympus" is not an IANA time zone, such as Asia/Shanghai or America/Los_Angeles',
  ],
  'listen-unknown-event.json': [
    '5:64  /steps/0/event  connection "esign" delivers no event "envelope-complete" (did you mean "envelope-completed"?): `staffwire connectors show docusign` lists the events',
  ],
  'schedule-at-without-zone.json': [
    '5:87  /steps/0/at  "2030-01-01T00:00:00" has no time zone: add Z for UTC or an offset such as +08:00',
  ],
  'wait-with-for-and-until.json': [
    '5:5  /steps/0  has both "for" and "until"; keep only one',
  ],
  'wait-with-unknown-property.json': [
    '5:5  /steps/0  needs one of "for" or "until"',
    '5:38  /steps/0/fro  unknown property "fro" (did you mean "for"?)',
  ],
  // One schema fault does not hide the problems the compiler finds elsewhere.
  'schema-error-among-others.json': [
    '5:51  /steps/0/note  unknown property "note" (a wait step may have: id, kind, description, retry, for, until)',
    '6:63  /steps/1/connection  unknown connection "nowhere": add it under "connections" in staffwire.config.json (configured: hr, other, esign)',
    '6:88  /steps/1/with  missing required property "url"',
    '6:115  /steps/1/with/path  unknown property "path" (allowed here: method, url, headers, query, body, timeoutMs)',
    '7:60  /steps/2/output/x  $steps.missing refers to a step that does not exist',
  ],
  // A field the action's declared output lacks (a typo) is found before the run, with the likely name.
  'output-field-typo.json': [
    '6:66  /steps/1/output/subject  $steps.envelope.emailSubjet: the output of step "envelope" has no field "emailSubjet" (did you mean "emailSubject"?); `staffwire connectors show <connector>` lists what each action returns',
  ],
  'wait-without-for-or-until.json': [
    '5:5  /steps/0  needs one of "for" or "until"',
  ],
};

let env: CompileEnvironment;

beforeAll(async () => {
  env = {
    connectors: await discoverConnectors(),
    connections: {
      hr: { connector: 'http', baseUrl: 'http://127.0.0.1:1' },
      other: { connector: 'not-http' },
      esign: { connector: 'docusign' },
    },
    limits: { timeoutMs: 1000, maxDepth: 500, maxSequence: 1_000_000 },
  };
});

function check(dir: string, file: string) {
  return checkFlowText(readFileSync(dir + file, 'utf8'), file, env);
}

describe('staffwire validate on malformed flows', () => {
  it('has an expectation for every fixture, and at least 35 of them', () => {
    expect(Object.keys(expected).sort()).toEqual(readdirSync(invalidDir).sort());
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(35);
  });

  it.each(Object.entries(expected))('reports %s exactly', (file, lines) => {
    const { flow, problems } = check(invalidDir, file);
    expect(problems.map(formatProblem)).toEqual(lines.map((line) => `${file}:${line}`));
    expect(flow).toBeUndefined();
  });
});

describe('staffwire validate on valid flows', () => {
  it.each(readdirSync(validDir))('accepts %s', (file) => {
    const { flow, problems } = check(validDir, file);
    expect(problems.map(formatProblem)).toEqual([]);
    expect(flow?.definition.id).toBe(file.replace(/\.json$/, ''));
  });
});

describe('$steps field reads checked against the action output schema', () => {
  const flowReading = (output: Record<string, string>) =>
    JSON.stringify({
      id: 'reads',
      version: '1',
      steps: [
        { id: 'lookup', kind: 'call', action: 'lark-contact.user.get', connection: 'directory', with: { user_id: 'ou_1' } },
        { id: 'done', kind: 'return', output },
      ],
    });
  const withDirectory = () => ({ ...env, connections: { ...env.connections, directory: { connector: 'lark-contact' } } });

  it('names the level that lacks a nested field, and the fields it has', () => {
    const { problems } = checkFlowText(flowReading({ boss: '${ $steps.lookup.user.leader_id }' }), 'reads.json', withDirectory());
    expect(problems.map((p) => p.message)).toEqual([
      '$steps.lookup.user.leader_id: $steps.lookup.user has no field "leader_id" (fields: open_id, union_id, user_id, name, email, mobile, employee_no, department_ids, leader_user_id, time_zone, status); `staffwire connectors show <connector>` lists what each action returns',
    ]);
  });

  it('accepts declared fields, fields read over arrays, and fields below a free-form object', () => {
    const { problems } = checkFlowText(
      flowReading({
        boss: '${ $steps.lookup.user.leader_user_id }',
        frozen: '${ $steps.lookup.user.status.is_frozen }',
        departments: '${ $steps.lookup.user.department_ids }',
        whole: '${ $steps.lookup }',
      }),
      'reads.json',
      withDirectory(),
    );
    expect(problems).toEqual([]);
  });
});
