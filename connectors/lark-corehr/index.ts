import { defineConnector } from '../../src/connector-kit/define-connector.js';
import { larkCheck, larkClientRateLimits, larkWebhook } from '../lark-shared/lark-connection.js';
import { batchGetDepartments, searchDepartments } from './actions/departments.js';
import { batchGetEmployees, searchEmployees } from './actions/employees.js';
import { searchJobChanges } from './actions/job-changes.js';
import { batchGetLocations, searchTimeZones } from './actions/locations.js';
import { searchOffboardings } from './actions/offboardings.js';
import { completePreHire, createPreHire, deletePreHire, getPreHire, queryPreHires, searchPreHires, withdrawPreHire } from './actions/pre-hires.js';
import manifest from './manifest.json' with { type: 'json' };

export default defineConnector({
  manifest,
  actions: {
    'pre_hire.create': createPreHire,
    'pre_hire.get': getPreHire,
    'pre_hire.query': queryPreHires,
    'pre_hire.search': searchPreHires,
    'pre_hire.complete': completePreHire,
    'pre_hire.withdraw': withdrawPreHire,
    'pre_hire.delete': deletePreHire,
    'employee.search': searchEmployees,
    'employee.batch_get': batchGetEmployees,
    'department.batch_get': batchGetDepartments,
    'department.search': searchDepartments,
    'offboarding.search': searchOffboardings,
    'job_change.search': searchJobChanges,
    'location.batch_get': batchGetLocations,
    'time_zone.search': searchTimeZones,
  },
  // One Lark app pushes every product's events to one URL: every lark-* connector shares this verifier.
  webhook: larkWebhook,
  check: larkCheck,
  clientRateLimits: larkClientRateLimits,
});
