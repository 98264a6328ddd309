import { getClosestMatchingOption, getFirstMatchingOption, retrieveSchema, type RJSFSchema } from '@rjsf/utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JsonSchemaValidator } from '../../console/src/forms/json-schema-validator.js';
import { formMessages } from '../../console/src/forms/form-messages.js';
import { translator } from '../../console/src/i18n/translate.js';

/** A start form's input: an employee with a nested address, an id of a fixed shape, and an email. */
const hireInput: RJSFSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['employee', 'currency'],
  properties: {
    employee: {
      type: 'object',
      required: ['name', 'email'],
      properties: {
        name: { type: 'string', minLength: 1 },
        email: { type: 'string', format: 'email', title: 'Work email' },
        age: { type: 'integer', minimum: 16 },
        address: { $ref: '#/$defs/address' },
      },
    },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
  },
  $defs: {
    address: { type: 'object', required: ['city'], properties: { city: { type: 'string', minLength: 1 }, postcode: { type: 'string', pattern: '^[0-9]{6}$' } } },
  },
};

/** Who to notify: by email or by Lark open_id, each option defined once in $defs. */
const notifyInput: RJSFSchema = {
  type: 'object',
  properties: { recipient: { anyOf: [{ $ref: '#/$defs/byEmail' }, { $ref: '#/$defs/byOpenId' }] } },
  $defs: {
    byEmail: { title: 'By email', type: 'object', required: ['email'], properties: { email: { type: 'string', format: 'email' } } },
    byOpenId: { title: 'By open_id', type: 'object', required: ['openId'], properties: { openId: { type: 'string', pattern: '^ou_' } } },
  },
};

const validator = new JsonSchemaValidator(formMessages(translator('en')));
const errorsOf = (formData: unknown, schema: RJSFSchema = hireInput) => validator.validateFormData(formData, schema).errors.map(({ property, message }) => ({ property, message }));
const valid = { employee: { name: 'Maya Chen', email: 'maya@example.com', age: 31, address: { city: 'Shanghai', postcode: '200000' } }, currency: 'CNY' };

describe('the start form’s JSON Schema validator (no eval)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('finds nothing wrong with valid input', () => {
    expect(validator.validateFormData(valid, hireInput)).toEqual({ errors: [], errorSchema: {} });
  });

  it('puts a missing nested property’s error at that property, named by its title when it has one, as ajv did', () => {
    const { errors, errorSchema } = validator.validateFormData({ employee: {}, currency: 'CNY' }, hireInput);
    expect(errors.map(({ property, message, name }) => ({ property, message, name }))).toEqual([
      { property: '.employee.name', message: "must have required property 'name'", name: 'required' },
      { property: '.employee.email', message: "must have required property 'Work email'", name: 'required' },
    ]);
    expect(errorSchema).toEqual({ employee: { name: { __errors: ["must have required property 'name'"] }, email: { __errors: ["must have required property 'Work email'"] } } });
  });

  it('speaks the console’s language: in zh-CN every message is Chinese, with the field’s title and the schema’s value', () => {
    const zh = new JsonSchemaValidator(formMessages(translator('zh-CN')));
    const errors = zh.validateFormData({ employee: { email: 'not-an-address', age: -1 }, currency: 'CNY' }, hireInput).errors;
    expect(errors.map(({ property, message }) => ({ property, message }))).toEqual(
      expect.arrayContaining([
        { property: '.employee.name', message: expect.stringMatching(/^必须填写「.+」$/) },
        { property: '.employee.email', message: '应为 "email" 格式' },
      ]),
    );
    for (const { message } of errors) expect(message).not.toMatch(/\b(must|have|property)\b/);
  });

  it('treats a field rjsf left undefined as missing, not as a value of the wrong type', () => {
    expect(errorsOf({ employee: { ...valid.employee, name: undefined }, currency: 'CNY' })).toEqual([{ property: '.employee.name', message: "must have required property 'name'" }]);
  });

  it.each([
    ['a wrong type', { employee: { ...valid.employee, age: 'thirty' } }, '.employee.age', 'must be integer'],
    ['a number below the minimum', { employee: { ...valid.employee, age: 15 } }, '.employee.age', 'must be >= 16'],
    ['an empty string under minLength', { employee: { ...valid.employee, name: '' } }, '.employee.name', 'must NOT have fewer than 1 characters'],
    ['a pattern not matched', { currency: 'cny' }, '.currency', 'must match pattern "^[A-Z]{3}$"'],
    ['an email that is not one', { employee: { ...valid.employee, email: 'maya at example' } }, '.employee.email', 'must match format "email"'],
    ['a property of a $ref’d definition', { employee: { ...valid.employee, address: { city: 'Shanghai', postcode: '2000' } } }, '.employee.address.postcode', 'must match pattern "^[0-9]{6}$"'],
    ['a required property of a $ref’d definition', { employee: { ...valid.employee, address: {} } }, '.employee.address.city', "must have required property 'city'"],
  ])('reports %s at its field', (_case, change, property, message) => {
    expect(errorsOf({ ...valid, ...change })).toEqual([{ property, message }]);
  });

  it('reports every field’s problem at once, each in the error schema rjsf shows beside the fields', () => {
    const { errors, errorSchema } = validator.validateFormData({ employee: { name: 'Maya Chen', email: 'nope', age: 20.5 }, currency: 'yuan' }, hireInput);
    expect(errors.map((e) => e.property).sort()).toEqual(['.currency', '.employee.age', '.employee.email']);
    expect(errorSchema).toEqual({
      employee: { email: { __errors: ['must match format "email"'] }, age: { __errors: ['must be integer'] } },
      currency: { __errors: ['must match pattern "^[A-Z]{3}$"'] },
    });
  });

  it('names properties whose keys are not plain words so that rjsf still finds the field', () => {
    const schema: RJSFSchema = { type: 'object', properties: { 'first.name': { type: 'string' }, 'tags[0]': { type: 'string' }, 'a/b~c': { type: 'string' } } };
    const { errors, errorSchema } = validator.validateFormData({ 'first.name': 1, 'tags[0]': 2, 'a/b~c': 3 }, schema);
    expect(errors.map((e) => e.property)).toEqual(['["first.name"]', '["tags[0]"]', '.a/b~c']);
    expect(errorSchema).toEqual({ 'first.name': { __errors: ['must be string'] }, 'tags[0]': { __errors: ['must be string'] }, 'a/b~c': { __errors: ['must be string'] } });
  });

  it('says at the object that it has a property the schema does not allow', () => {
    const schema: RJSFSchema = { type: 'object', properties: { settings: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false } } };
    expect(errorsOf({ settings: { a: 'x', b: 'y' } }, schema)).toEqual([{ property: '.settings', message: 'must NOT have additional properties' }]);
  });

  it('merges the errors of the form’s customValidate and runs transformErrors', () => {
    const result = validator.validateFormData(
      { ...valid, currency: 'usd' },
      hireInput,
      (formData, errors) => {
        if (formData?.employee?.name === 'Maya Chen') errors.employee?.name?.addError('is already employed');
        return errors;
      },
      (errors) => errors.map((e) => ({ ...e, message: `${e.message}!` })),
    );
    expect(result.errorSchema).toMatchObject({ currency: { __errors: ['must match pattern "^[A-Z]{3}$"!'] }, employee: { name: { __errors: ['is already employed'] }, email: { __errors: [] } } });
    expect(result.errors.map((e) => e.stack)).toEqual(['.currency must match pattern "^[A-Z]{3}$"', '.employee.name is already employed']);
  });

  it('reports a schema it cannot use (an unresolved $ref) instead of throwing', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const broken: RJSFSchema = { type: 'object', properties: { a: { $ref: '#/$defs/missing' } } };
    const { errors, errorSchema } = validator.validateFormData({ a: 1 }, broken);
    expect(errors).toEqual([{ stack: expect.stringContaining('Unresolved $ref "#/$defs/missing"') }]);
    expect(errorSchema).toEqual({ $schema: { __errors: [expect.stringContaining('Unresolved $ref')] } });
    expect(validator.isValid({ $ref: '#/$defs/missing' }, {}, broken)).toBe(false);
  });

  it('checks an anyOf option’s $ref against the root schema’s $defs, so rjsf selects the option that fits', () => {
    const options = (notifyInput.properties!.recipient as RJSFSchema).anyOf as RJSFSchema[];
    expect(options.map((option) => validator.isValid(option, { email: 'maya@example.com' }, notifyInput))).toEqual([true, false]);
    expect(options.map((option) => validator.isValid(option, { openId: 'ou_3f9a' }, notifyInput))).toEqual([false, true]);
    expect(options.map((option) => validator.isValid(option, { openId: 'not-an-open-id' }, notifyInput))).toEqual([false, false]);
    expect(getFirstMatchingOption(validator, { openId: 'ou_3f9a' }, options, notifyInput)).toBe(1);
    expect(getClosestMatchingOption(validator, notifyInput, { email: 'maya@example.com' }, options, 1)).toBe(0);
  });

  it('resolves an if/then whose condition refers to $defs', () => {
    const schema: RJSFSchema = {
      type: 'object',
      properties: { kind: { type: 'string' } },
      if: { $ref: '#/$defs/isContractor' },
      then: { required: ['agency'], properties: { agency: { type: 'string' } } },
      $defs: { isContractor: { properties: { kind: { const: 'contractor' } } } },
    };
    expect(Object.keys(retrieveSchema(validator, schema, schema, { kind: 'contractor' }).properties!)).toEqual(['kind', 'agency']);
    expect(Object.keys(retrieveSchema(validator, schema, schema, { kind: 'employee' }).properties!)).toEqual(['kind']);
    expect(errorsOf({ kind: 'contractor' }, schema)).toEqual([{ property: '.agency', message: "must have required property 'agency'" }]);
  });

  it('leaves the schemas it is given as they were', () => {
    const schema = structuredClone(notifyInput);
    validator.validateFormData({ recipient: {} }, schema);
    validator.isValid((schema.properties!.recipient as RJSFSchema).anyOf![0] as RJSFSchema, {}, schema);
    expect(schema).toEqual(notifyInput);
    expect(Object.getOwnPropertyNames(schema)).toEqual(Object.getOwnPropertyNames(notifyInput));
  });
});
