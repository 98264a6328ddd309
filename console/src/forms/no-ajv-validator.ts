/**
 * Stands in for @rjsf/validator-ajv8, which @rjsf/core 6.8 imports only for its test helper
 * `getTestRegistry` (rjsf issue #5295). The console never calls it; ajv compiles schemas with
 * eval, which the console's Content-Security-Policy refuses, so vite.config.ts points that import
 * here and ajv stays out of the bundle. The start form validates with JsonSchemaValidator.
 */
const validator = new Proxy(
  {},
  {
    get() {
      throw new Error('the ajv validator is not in the console: forms validate with JsonSchemaValidator');
    },
  },
);

export default validator;
