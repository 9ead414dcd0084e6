import { describe, expect, it } from 'vitest';
import { validateAutomationGraph, type GraphValidationResult } from '../../domain/validate-graph.js';

type RawStep = Record<string, unknown>;
type RawConnection = Record<string, unknown>;

interface RawGraph {
  steps: RawStep[];
  connections: RawConnection[];
}

const TRIGGER: RawStep = { key: 'start', type: 'trigger', config: { event_name: 'user.created' } };

/** Builds a graph that uses every step type and every connection type. */
function makeFullGraph(): RawGraph {
  return {
    steps: [
      { key: 'start', type: 'trigger', config: { event_name: 'user.created' } },
      {
        key: 'welcome',
        type: 'send_email',
        config: {
          template: { id: 'tpl-welcome', variables: { NAME: { var: 'contact.first_name' }, PLAN: 'pro' } },
          subject: 'Welcome',
          from: 'Team <team@example.com>',
          reply_to: ['help@example.com'],
          topic_id: 'topic-news',
        },
      },
      { key: 'pause', type: 'delay', config: { duration: '1 day' } },
      {
        key: 'paid',
        type: 'wait_for_event',
        config: {
          event_name: 'payment.succeeded',
          timeout: '3 days',
          filter_rule: { type: 'rule', field: 'event.amount', operator: 'gt', value: 0 },
        },
      },
      {
        key: 'check',
        type: 'condition',
        config: {
          type: 'or',
          rules: [
            { type: 'rule', field: 'contact.plan', operator: 'eq', value: 'pro' },
            { type: 'and', rules: [{ type: 'rule', field: 'event.coupon', operator: 'exists' }] },
          ],
        },
      },
      {
        key: 'update',
        type: 'contact_update',
        config: {
          first_name: { var: 'wait_events.payment.succeeded.name' },
          unsubscribed: false,
          properties: { paid: true, amount: { var: 'wait_events.payment.succeeded.amount' } },
        },
      },
      { key: 'segment', type: 'add_to_segment', config: { segment_id: 'seg-paying' } },
      { key: 'thanks', type: 'send_email', config: { template: { id: 'tpl-welcome' }, topic_id: 'topic-news' } },
      { key: 'remove', type: 'contact_delete', config: {} },
    ],
    connections: [
      { from: 'start', to: 'welcome' },
      { from: 'welcome', to: 'pause', type: 'default' },
      { from: 'pause', to: 'paid' },
      { from: 'paid', to: 'check', type: 'event_received' },
      { from: 'paid', to: 'remove', type: 'timeout' },
      { from: 'check', to: 'update', type: 'condition_met' },
      { from: 'check', to: 'segment', type: 'condition_not_met' },
      { from: 'update', to: 'segment' },
      { from: 'segment', to: 'thanks' },
    ],
  };
}

/** Builds a trigger followed by one step of the given type and config. */
function makeStepGraph(type: string, config: unknown, key = 'step'): RawGraph {
  return {
    steps: [TRIGGER, { key, type, config }],
    connections: [{ from: 'start', to: key }],
  };
}

function errorOf(result: GraphValidationResult): { name: string; message: string } {
  if (result.ok) throw new Error('expected the graph to be rejected, but it was accepted');
  return result.error;
}

function expectRejected(input: { steps: unknown; connections: unknown }, message: string): void {
  const error = errorOf(validateAutomationGraph(input));
  expect(error.name).toBe('validation_error');
  expect(error.message).toContain(message);
}

function expectMissing(input: { steps: unknown; connections: unknown }, message: string): void {
  const error = errorOf(validateAutomationGraph(input));
  expect(error.name).toBe('missing_required_field');
  expect(error.message).toContain(message);
}

function expectStepConfigRejected(type: string, config: unknown, message: string): void {
  expectRejected(makeStepGraph(type, config), message);
}

describe('validateAutomationGraph accepted graphs', () => {
  it('accepts every step type', () => {
    const result = validateAutomationGraph(makeFullGraph());
    expect(result.ok).toBe(true);
  });

  it('fills in default connection types', () => {
    const result = validateAutomationGraph(makeFullGraph());
    if (!result.ok) throw new Error(result.error.message);
    expect(result.graph.connections[0]).toEqual({ from: 'start', to: 'welcome', type: 'default' });
    expect(result.graph.connections.every((connection) => connection.type !== undefined)).toBe(true);
  });

  it('keeps step configs as sent', () => {
    const input = makeFullGraph();
    const result = validateAutomationGraph(input);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.graph.steps).toEqual(input.steps);
  });

  it('lists each referenced id once', () => {
    const result = validateAutomationGraph(makeFullGraph());
    if (!result.ok) throw new Error(result.error.message);
    expect(result.references.templateIds).toEqual(['tpl-welcome']);
    expect(result.references.segmentIds).toEqual(['seg-paying']);
    expect(result.references.topicIds).toEqual(['topic-news']);
  });

  it('drops fields set to undefined', () => {
    const input = makeStepGraph('send_email', { template: { id: 't', variables: undefined }, subject: undefined, extra: undefined });
    const result = validateAutomationGraph(input);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.graph.steps[1]).toEqual({ key: 'step', type: 'send_email', config: { template: { id: 't' } } });
  });

  it('accepts a graph with only a trigger', () => {
    const result = validateAutomationGraph({ steps: [TRIGGER], connections: [] });
    expect(result.ok).toBe(true);
  });

  it('trims durations', () => {
    const result = validateAutomationGraph(makeStepGraph('delay', { duration: ' 15m ' }));
    if (!result.ok) throw new Error(result.error.message);
    expect(result.graph.steps[1]).toEqual({ key: 'step', type: 'delay', config: { duration: '15m' } });
  });

  it('accepts 150 steps', () => {
    const steps: RawStep[] = [TRIGGER];
    const connections: RawConnection[] = [];
    for (let index = 1; index < 150; index += 1) {
      steps.push({ key: `d${index}`, type: 'delay', config: { duration: '1m' } });
      connections.push({ from: index === 1 ? 'start' : `d${index - 1}`, to: `d${index}` });
    }
    expect(validateAutomationGraph({ steps, connections }).ok).toBe(true);
  });

  it('accepts literal structures as template variables', () => {
    const config = {
      template: { id: 't', variables: { ITEMS: [{ sku: 'A', qty: 2 }, 'note', 3, true], META: { color: 'red' }, NONE: null } },
    };
    expect(validateAutomationGraph(makeStepGraph('send_email', config)).ok).toBe(true);
  });
});

describe('validateAutomationGraph steps', () => {
  it('requires steps', () => {
    expectMissing({ steps: undefined, connections: [] }, 'steps is required');
  });

  it('rejects steps that are not an array', () => {
    expectRejected({ steps: { start: TRIGGER }, connections: [] }, 'steps must be an array');
  });

  it('rejects an empty steps array', () => {
    expectRejected({ steps: [], connections: [] }, 'steps must contain at least one step');
  });

  it('rejects more than 150 steps', () => {
    const steps = [TRIGGER, ...Array.from({ length: 150 }, (_, index) => ({ key: `d${index}`, type: 'delay', config: { duration: '1m' } }))];
    expectRejected({ steps, connections: [] }, 'at most 150 steps, got 151');
  });

  it('rejects a step that is not an object', () => {
    expectRejected({ steps: [TRIGGER, 'delay'], connections: [] }, 'steps[1] must be an object');
  });

  it('rejects unknown step fields', () => {
    expectRejected({ steps: [{ ...TRIGGER, name: 'x' }], connections: [] }, 'steps[0] has unknown field "name"');
  });

  it('requires a key', () => {
    expectMissing({ steps: [{ type: 'trigger', config: { event_name: 'x' } }], connections: [] }, 'steps[0].key is required');
  });

  it.each(['', 'has space', 'dot.key', '$key', 'x'.repeat(101), 'ключ'])('rejects key %j', (key) => {
    expectRejected({ steps: [{ ...TRIGGER, key }], connections: [] }, 'steps[0].key must be 1 to 100 letters, digits, "_" or "-"');
  });

  it('rejects a key that is not a string', () => {
    expectRejected({ steps: [{ ...TRIGGER, key: 7 }], connections: [] }, 'steps[0].key must be');
  });

  it('rejects duplicate keys', () => {
    const input = makeStepGraph('delay', { duration: '1m' }, 'start');
    expectRejected(input, 'the key "start" twice, at steps[0] and steps[1]');
  });

  it('requires a type', () => {
    expectMissing({ steps: [{ key: 'start', config: {} }], connections: [] }, 'step "start": type is required');
  });

  it('lists allowed types for an unknown type', () => {
    expectRejected(
      makeStepGraph('send_sms', {}),
      'step "step": type must be one of trigger, send_email, delay, wait_for_event, condition, contact_update, contact_delete, add_to_segment',
    );
  });

  it('requires a config', () => {
    expectMissing({ steps: [{ key: 'start', type: 'trigger' }], connections: [] }, 'step "start": config is required');
  });

  it('rejects a config that is not an object', () => {
    expectStepConfigRejected('delay', '1 day', 'step "step": config must be an object');
    expectStepConfigRejected('delay', ['1 day'], 'step "step": config must be an object');
  });
});

describe('validateAutomationGraph trigger config', () => {
  it('requires event_name', () => {
    expectMissing({ steps: [{ key: 'start', type: 'trigger', config: {} }], connections: [] }, 'step "start": config.event_name is required');
  });

  it('rejects an empty event_name', () => {
    expectRejected({ steps: [{ key: 'start', type: 'trigger', config: { event_name: ' ' } }], connections: [] }, 'config.event_name must be a non-empty string');
  });

  it('rejects a long event_name', () => {
    const config = { event_name: 'e'.repeat(201) };
    expectRejected({ steps: [{ key: 'start', type: 'trigger', config }], connections: [] }, 'config.event_name must be at most 200 characters long');
  });

  it('rejects unknown fields', () => {
    const config = { event_name: 'x', eventName: 'x' };
    expectRejected({ steps: [{ key: 'start', type: 'trigger', config }], connections: [] }, 'step "start": config has unknown field "eventName": expected only event_name');
  });
});

describe('validateAutomationGraph send_email config', () => {
  it('requires a template', () => {
    expectMissing(makeStepGraph('send_email', { subject: 'Hi' }), 'step "step": config.template is required');
  });

  it('requires a template id', () => {
    expectMissing(makeStepGraph('send_email', { template: {} }), 'step "step": config.template.id is required');
  });

  it('rejects an empty template id', () => {
    expectStepConfigRejected('send_email', { template: { id: '' } }, 'config.template.id must be a non-empty string');
  });

  it('rejects an operator object as template id', () => {
    expectStepConfigRejected('send_email', { template: { id: { $gt: '' } } }, 'config.template.id must be a non-empty string');
  });

  it('rejects unknown template fields', () => {
    expectStepConfigRejected('send_email', { template: { id: 't', alias: 'x' } }, 'config.template has unknown field "alias"');
  });

  it('rejects unknown config fields', () => {
    expectStepConfigRejected('send_email', { template: { id: 't' }, cc: 'x@example.com' }, 'config has unknown field "cc"');
  });

  it('rejects variables that are not an object', () => {
    expectStepConfigRejected('send_email', { template: { id: 't', variables: ['A'] } }, 'config.template.variables must be an object');
  });

  it.each(['1ST', 'with-dash', 'x'.repeat(65)])('rejects variable name %j', (name) => {
    expectStepConfigRejected('send_email', { template: { id: 't', variables: { [name]: 'x' } } }, `invalid variable name "${name.slice(0, 10)}`);
  });

  it('rejects a reference outside known namespaces', () => {
    const config = { template: { id: 't', variables: { A: { var: 'payload.total' } } } };
    expectStepConfigRejected('send_email', config, 'config.template.variables.A.var "payload.total" must start with "event.", "contact." or "wait_events."');
  });

  it('rejects a reference with an empty segment', () => {
    const config = { template: { id: 't', variables: { A: { var: 'event..total' } } } };
    expectStepConfigRejected('send_email', config, 'has an empty segment in "event..total"');
  });

  it('rejects a reference to an event no step waits for', () => {
    const config = { template: { id: 't', variables: { A: { var: 'wait_events.order.shipped.carrier' } } } };
    expectStepConfigRejected('send_email', config, 'this automation has no wait_for_event step');
  });

  it('rejects a wait event reference without a field', () => {
    const input = makeFullGraph();
    input.steps[7] = { key: 'thanks', type: 'send_email', config: { template: { id: 't', variables: { A: { var: 'wait_events.payment.succeeded.' } } } } };
    expectRejected(input, 'step "thanks": config.template.variables.A.var "wait_events.payment.succeeded." must name a field after the event name');
  });

  it('rejects a reference with extra fields', () => {
    const config = { template: { id: 't', variables: { A: { var: 'event.x', fallback: 'y' } } } };
    expectStepConfigRejected('send_email', config, 'config.template.variables.A has unknown field "fallback"');
  });

  it('rejects a reference that is not a string', () => {
    const config = { template: { id: 't', variables: { A: { var: 5 } } } };
    expectStepConfigRejected('send_email', config, 'config.template.variables.A.var must be a non-empty string');
  });

  it('rejects nested literal objects', () => {
    const config = { template: { id: 't', variables: { A: { outer: { inner: 1 } } } } };
    expectStepConfigRejected('send_email', config, 'config.template.variables.A.outer must be a string, number or boolean');
  });

  it('rejects nested literal arrays', () => {
    const config = { template: { id: 't', variables: { A: [['x']] } } };
    expectStepConfigRejected('send_email', config, 'config.template.variables.A[0] must be a string, number or boolean');
  });

  it('rejects null inside literal structures', () => {
    const config = { template: { id: 't', variables: { A: [null] } } };
    expectStepConfigRejected('send_email', config, 'config.template.variables.A[0] must be a string, number or boolean');
  });

  it('rejects large literal arrays', () => {
    const config = { template: { id: 't', variables: { A: Array.from({ length: 101 }, () => 'x') } } };
    expectStepConfigRejected('send_email', config, 'config.template.variables.A must have at most 100 items');
  });

  it('rejects a subject that is not a string', () => {
    expectStepConfigRejected('send_email', { template: { id: 't' }, subject: 5 }, 'config.subject must be a non-empty string');
  });

  it('rejects line breaks in header fields', () => {
    expectStepConfigRejected('send_email', { template: { id: 't' }, subject: 'Hi\r\nBcc: x@example.com' }, 'config.subject must not contain line breaks');
    expectStepConfigRejected('send_email', { template: { id: 't' }, from: 'a@example.com\n' }, 'config.from must not contain line breaks');
  });

  it('rejects an empty reply_to list', () => {
    expectStepConfigRejected('send_email', { template: { id: 't' }, reply_to: [] }, 'config.reply_to must be a string or an array of 1 to 50 strings');
  });

  it('rejects a reply_to entry that is not a string', () => {
    expectStepConfigRejected('send_email', { template: { id: 't' }, reply_to: ['a@example.com', 1] }, 'config.reply_to[1] must be a non-empty string');
  });

  it('accepts reply_to as a string', () => {
    expect(validateAutomationGraph(makeStepGraph('send_email', { template: { id: 't' }, reply_to: 'a@example.com' })).ok).toBe(true);
  });

  it('rejects an empty topic_id', () => {
    expectStepConfigRejected('send_email', { template: { id: 't' }, topic_id: '' }, 'config.topic_id must be a non-empty string');
  });
});

describe('validateAutomationGraph delay config', () => {
  it('requires a duration', () => {
    expectMissing(makeStepGraph('delay', {}), 'step "step": config.duration is required');
  });

  it('rejects an unparsable duration', () => {
    expectStepConfigRejected('delay', { duration: '1 month' }, 'step "step": config.duration has an invalid duration "1 month": use a positive whole number');
  });

  it('rejects a duration above 30 days', () => {
    expectStepConfigRejected('delay', { duration: '31 days' }, 'the maximum is 30 days');
  });

  it('rejects a numeric duration', () => {
    expectStepConfigRejected('delay', { duration: 3600 }, 'config.duration must be a non-empty string');
  });

  it('rejects unknown fields', () => {
    expectStepConfigRejected('delay', { duration: '1m', seconds: 60 }, 'config has unknown field "seconds"');
  });
});

describe('validateAutomationGraph wait_for_event config', () => {
  it('requires event_name', () => {
    expectMissing(makeStepGraph('wait_for_event', { timeout: '1 day' }), 'step "step": config.event_name is required');
  });

  it('rejects an invalid timeout', () => {
    expectStepConfigRejected('wait_for_event', { event_name: 'x', timeout: '0 days' }, 'config.timeout has an invalid duration "0 days"');
  });

  it('rejects a timeout above 30 days', () => {
    expectStepConfigRejected('wait_for_event', { event_name: 'x', timeout: '5 weeks' }, 'config.timeout has an invalid duration "5 weeks": the maximum is 30 days');
  });

  it('rejects an invalid filter_rule', () => {
    const config = { event_name: 'x', filter_rule: { type: 'rule', field: 'amount', operator: 'gt', value: 1 } };
    expectStepConfigRejected('wait_for_event', config, 'config.filter_rule.field "amount" must start with "event." or "contact."');
  });

  it('rejects unknown fields', () => {
    expectStepConfigRejected('wait_for_event', { event_name: 'x', filter: {} }, 'config has unknown field "filter"');
  });
});

describe('validateAutomationGraph condition config', () => {
  function rule(overrides: Record<string, unknown>): Record<string, unknown> {
    return { type: 'rule', field: 'event.total', operator: 'gt', value: 10, ...overrides };
  }

  it('requires a rule type', () => {
    expectMissing(makeStepGraph('condition', { field: 'event.total', operator: 'gt', value: 1 }), 'step "step": config.type is required');
  });

  it('rejects an unknown rule type', () => {
    expectStepConfigRejected('condition', rule({ type: 'not' }), 'config.type must be "rule", "and" or "or"');
  });

  it('requires a field', () => {
    expectMissing(makeStepGraph('condition', { type: 'rule', operator: 'exists' }), 'config.field is required');
  });

  it('rejects a field outside event and contact', () => {
    expectStepConfigRejected('condition', rule({ field: 'wait_events.x.y' }), 'config.field "wait_events.x.y" must start with "event." or "contact."');
  });

  it('rejects a field with an empty segment', () => {
    expectStepConfigRejected('condition', rule({ field: 'event.' }), 'config.field "event." has an empty segment');
  });

  it('requires an operator', () => {
    expectMissing(makeStepGraph('condition', { type: 'rule', field: 'event.total' }), 'config.operator is required');
  });

  it('lists operators for an unknown operator', () => {
    expectStepConfigRejected(
      'condition',
      rule({ operator: 'between' }),
      'config.operator must be one of eq, neq, gt, gte, lt, lte, contains, starts_with, ends_with, exists, is_empty',
    );
  });

  it.each(['gt', 'gte', 'lt', 'lte'])('requires a number for %s', (operator) => {
    expectStepConfigRejected('condition', rule({ operator, value: '10' }), `config.value must be a number for operator "${operator}"`);
  });

  it.each(['contains', 'starts_with', 'ends_with'])('requires a string for %s', (operator) => {
    expectStepConfigRejected('condition', rule({ operator, value: 10 }), `config.value must be a string for operator "${operator}"`);
  });

  it.each(['exists', 'is_empty'])('rejects a value for %s', (operator) => {
    expectStepConfigRejected('condition', rule({ operator, value: true }), `config.value must be absent for operator "${operator}"`);
  });

  it.each(['eq', 'neq', 'gt', 'contains'])('requires a value for %s', (operator) => {
    expectMissing(makeStepGraph('condition', { type: 'rule', field: 'event.total', operator }), 'config.value is required');
  });

  it('accepts scalars for eq', () => {
    for (const value of ['pro', 1, true, null]) {
      expect(validateAutomationGraph(makeStepGraph('condition', rule({ operator: 'eq', value }))).ok).toBe(true);
    }
  });

  it('rejects an object value for eq', () => {
    expectStepConfigRejected('condition', rule({ operator: 'eq', value: { $ne: null } }), 'config.value must be a string, number, boolean or null');
  });

  it('rejects unknown rule fields', () => {
    expectStepConfigRejected('condition', rule({ negate: true }), 'config has unknown field "negate"');
  });

  it('rejects an empty group', () => {
    expectStepConfigRejected('condition', { type: 'and', rules: [] }, 'config.rules must be a non-empty array of rules');
  });

  it('requires rules in a group', () => {
    expectMissing(makeStepGraph('condition', { type: 'or' }), 'config.rules is required');
  });

  it('names the path of a nested error', () => {
    const config = { type: 'and', rules: [rule({}), { type: 'or', rules: [rule({ operator: 'gt', value: 'x' })] }] };
    expectStepConfigRejected('condition', config, 'step "step": config.rules[1].rules[0].value must be a number');
  });

  it('rejects groups with more than 50 rules', () => {
    const config = { type: 'or', rules: Array.from({ length: 51 }, () => rule({})) };
    expectStepConfigRejected('condition', config, 'config.rules must have at most 50 rules');
  });

  it('rejects nesting deeper than 10 levels', () => {
    let config: Record<string, unknown> = rule({});
    for (let level = 0; level < 10; level += 1) config = { type: 'and', rules: [config] };
    expectStepConfigRejected('condition', config, 'nests rules more than 10 levels deep');
  });

  it('accepts nesting of 10 levels', () => {
    let config: Record<string, unknown> = rule({});
    for (let level = 0; level < 9; level += 1) config = { type: 'and', rules: [config] };
    expect(validateAutomationGraph(makeStepGraph('condition', config)).ok).toBe(true);
  });
});

describe('validateAutomationGraph contact_update config', () => {
  it('rejects an empty update', () => {
    expectStepConfigRejected('contact_update', {}, 'step "step": config must set at least one of first_name, last_name, unsubscribed, properties');
  });

  it('rejects a first_name that is not a string', () => {
    expectStepConfigRejected('contact_update', { first_name: 5 }, 'config.first_name must be a string, null or a { "var": ... } reference');
  });

  it('accepts null names', () => {
    expect(validateAutomationGraph(makeStepGraph('contact_update', { first_name: null, last_name: null })).ok).toBe(true);
  });

  it('rejects unsubscribed that is not a boolean', () => {
    expectStepConfigRejected('contact_update', { unsubscribed: 'yes' }, 'config.unsubscribed must be a boolean or a { "var": ... } reference');
  });

  it('accepts references', () => {
    const config = { last_name: { var: 'event.last' }, unsubscribed: { var: 'event.opt_out' } };
    expect(validateAutomationGraph(makeStepGraph('contact_update', config)).ok).toBe(true);
  });

  it.each(['1st', 'has-dash', 'p'.repeat(51)])('rejects property name %j', (name) => {
    expectStepConfigRejected('contact_update', { properties: { [name]: 1 } }, `invalid property name "${name.slice(0, 10)}`);
  });

  it('rejects a structured property value', () => {
    expectStepConfigRejected('contact_update', { properties: { tags: ['a'] } }, 'config.properties.tags must be a string, number, boolean or null');
  });

  it('rejects unknown fields', () => {
    expectStepConfigRejected('contact_update', { email: 'x@example.com' }, 'config has unknown field "email"');
  });
});

describe('validateAutomationGraph contact_delete and add_to_segment configs', () => {
  it('rejects fields on contact_delete', () => {
    expectStepConfigRejected('contact_delete', { hard: true }, 'step "step": config has unknown field "hard": expected no fields');
  });

  it('requires segment_id', () => {
    expectMissing(makeStepGraph('add_to_segment', {}), 'step "step": config.segment_id is required');
  });

  it('rejects an empty segment_id', () => {
    expectStepConfigRejected('add_to_segment', { segment_id: '' }, 'config.segment_id must be a non-empty string');
  });
});

describe('validateAutomationGraph connections', () => {
  it('requires connections', () => {
    expectMissing({ steps: [TRIGGER], connections: undefined }, 'connections is required');
  });

  it('rejects connections that are not an array', () => {
    expectRejected({ steps: [TRIGGER], connections: {} }, 'connections must be an array');
  });

  it('rejects a connection that is not an object', () => {
    expectRejected({ steps: [TRIGGER], connections: ['start->x'] }, 'connections[0] must be an object');
  });

  it('requires from and to', () => {
    expectMissing({ steps: [TRIGGER], connections: [{ to: 'start' }] }, 'connections[0].from is required');
    expectMissing({ steps: [TRIGGER], connections: [{ from: 'start' }] }, 'connections[0].to is required');
  });

  it('rejects unknown connection fields', () => {
    const input = makeStepGraph('delay', { duration: '1m' });
    input.connections[0] = { from: 'start', to: 'step', label: 'x' };
    expectRejected(input, 'connections[0] has unknown field "label": expected only from, to, type');
  });

  it('rejects an unknown connection type', () => {
    const input = makeStepGraph('delay', { duration: '1m' });
    input.connections[0] = { from: 'start', to: 'step', type: 'yes' };
    expectRejected(input, 'connection from "start" to "step": type must be one of default, condition_met, condition_not_met, timeout, event_received');
  });

  it('rejects an unknown from step', () => {
    const input = makeStepGraph('delay', { duration: '1m' });
    input.connections.push({ from: 'ghost', to: 'step' });
    expectRejected(input, 'connection from "ghost" to "step": step "ghost" does not exist');
  });

  it('rejects an unknown to step', () => {
    const input = makeStepGraph('delay', { duration: '1m' });
    input.connections.push({ from: 'step', to: 'ghost' });
    expectRejected(input, 'connection from "step" to "ghost": step "ghost" does not exist');
  });

  it('rejects a self-loop', () => {
    const input = makeStepGraph('delay', { duration: '1m' });
    input.connections.push({ from: 'step', to: 'step' });
    expectRejected(input, 'connection from "step" to "step": a step cannot connect to itself');
  });

  it('rejects a type the from step does not allow', () => {
    const input = makeFullGraph();
    input.connections[5] = { from: 'check', to: 'update' };
    expectRejected(input, 'connection from "check" to "update": type "default" is not allowed: a condition step allows only condition_met, condition_not_met');
  });

  it('rejects outgoing connections from contact_delete', () => {
    const input = makeFullGraph();
    input.connections.push({ from: 'remove', to: 'thanks' });
    expectRejected(input, 'connection from "remove" to "thanks": type "default" is not allowed: a contact_delete step cannot have outgoing connections');
  });

  it('rejects two connections of one type from a step', () => {
    const input = makeFullGraph();
    input.connections.push({ from: 'paid', to: 'segment', type: 'timeout' });
    expectRejected(input, 'step "paid" has more than one outgoing "timeout" connection');
  });

  it('rejects a null connection type', () => {
    const input = makeStepGraph('delay', { duration: '1m' });
    input.connections[0] = { from: 'start', to: 'step', type: null };
    expectRejected(input, 'type must be one of');
  });

  it('rejects more than 300 connections', () => {
    const connections = Array.from({ length: 301 }, () => ({ from: 'start', to: 'start' }));
    expectRejected({ steps: [TRIGGER], connections }, 'connections must contain at most 300 connections, got 301');
  });
});

describe('validateAutomationGraph graph shape', () => {
  it('requires a trigger', () => {
    const input = { steps: [{ key: 'pause', type: 'delay', config: { duration: '1m' } }], connections: [] };
    expectRejected(input, 'steps must contain exactly one trigger step, found none');
  });

  it('rejects two triggers', () => {
    const input = { steps: [TRIGGER, { ...TRIGGER, key: 'start2' }], connections: [] };
    expectRejected(input, 'steps must contain exactly one trigger step, found 2: "start", "start2"');
  });

  it('rejects a connection into the trigger', () => {
    const input = makeStepGraph('delay', { duration: '1m' });
    input.connections.push({ from: 'step', to: 'start' });
    expectRejected(input, 'trigger step "start" cannot have incoming connections, but step "step" connects to it');
  });

  it('rejects a cycle and names a step on it', () => {
    const input: RawGraph = {
      steps: [
        TRIGGER,
        { key: 'a', type: 'delay', config: { duration: '1m' } },
        { key: 'b', type: 'delay', config: { duration: '1m' } },
        { key: 'c', type: 'delay', config: { duration: '1m' } },
      ],
      connections: [
        { from: 'start', to: 'a' },
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
        { from: 'c', to: 'a' },
      ],
    };
    expectRejected(input, 'step "a" is on a cycle: "a" -> "b" -> "c" -> "a"');
  });

  it('rejects a cycle through a condition branch', () => {
    const input = makeFullGraph();
    input.connections.push({ from: 'thanks', to: 'check' });
    expectRejected(input, 'is on a cycle');
  });

  it('rejects an unreachable step', () => {
    const input = makeStepGraph('delay', { duration: '1m' });
    input.steps.push({ key: 'orphan', type: 'delay', config: { duration: '1m' } });
    expectRejected(input, 'step "orphan" is not reachable from the trigger step "start"');
  });

  it('rejects an unreachable island with its own edges', () => {
    const input = makeStepGraph('delay', { duration: '1m' });
    input.steps.push({ key: 'x', type: 'delay', config: { duration: '1m' } }, { key: 'y', type: 'delay', config: { duration: '1m' } });
    input.connections.push({ from: 'x', to: 'y' });
    expectRejected(input, 'step "x" is not reachable');
  });

  it('handles a long chain without stack overflow', () => {
    const steps: RawStep[] = [TRIGGER];
    const connections: RawConnection[] = [];
    for (let index = 1; index < 150; index += 1) {
      steps.push({ key: `d${index}`, type: 'delay', config: { duration: '1m' } });
      connections.push({ from: index === 1 ? 'start' : `d${index - 1}`, to: `d${index}` });
    }
    connections.push({ from: 'd149', to: 'd1' });
    expectRejected({ steps, connections }, 'is on a cycle');
  });
});

describe('validateAutomationGraph unsafe input', () => {
  it('rejects field names starting with $', () => {
    expectStepConfigRejected('delay', { $where: '1' }, 'step "step": config has an invalid field name "$where": field names cannot start with "$" or contain "."');
  });

  it('rejects operator objects in variables', () => {
    const config = { template: { id: 't', variables: { A: { $gt: '' } } } };
    expectStepConfigRejected('send_email', config, 'config.template.variables.A has an invalid field name "$gt"');
  });

  it('rejects dotted field names in literal objects', () => {
    const config = { template: { id: 't', variables: { A: { 'a.b': 1 } } } };
    expectStepConfigRejected('send_email', config, 'field names cannot start with "$" or contain "."');
  });

  it('rejects __proto__ keys', () => {
    const steps = JSON.parse('[{"key":"start","type":"trigger","config":{"event_name":"x","__proto__":{"polluted":true}}}]') as unknown;
    expectRejected({ steps, connections: [] }, 'step "start": config has an invalid field name "__proto__"');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each(['constructor', 'prototype'])('rejects %s keys', (name) => {
    const config = { template: { id: 't', variables: { A: { [name]: 'x' } } } };
    expectStepConfigRejected('send_email', config, `has an invalid field name "${name}"`);
  });

  it('rejects NUL characters in strings', () => {
    expectStepConfigRejected('add_to_segment', { segment_id: 'seg\0' }, 'config.segment_id must not contain a NUL character');
    expectStepConfigRejected('condition', { type: 'rule', field: 'event.x', operator: 'eq', value: 'a\0' }, 'config.value must not contain a NUL character');
  });

  it('rejects NUL characters in field names', () => {
    const config = { template: { id: 't', variables: { A: { 'a\0': 'x' } } } };
    expectStepConfigRejected('send_email', config, 'has a field name that contains a NUL character');
  });

  it('rejects non-finite numbers', () => {
    expectStepConfigRejected('contact_update', { properties: { score: Number.POSITIVE_INFINITY } }, 'config.properties.score must be a finite number');
  });

  it('escapes quotes in user input in messages', () => {
    expectStepConfigRejected('delay', { duration: '1m', 'say "hi"\n': 1 }, 'config has unknown field "say \\"hi\\"\\n"');
  });

  it('shortens long user input in messages', () => {
    const input = makeStepGraph('delay', { duration: '1m' });
    input.connections.push({ from: 'step', to: 'z'.repeat(100) });
    expectRejected(input, `step "${'z'.repeat(60)}..." does not exist`);
  });

  it('rejects class instances as objects', () => {
    expectStepConfigRejected('delay', new Map([['duration', '1m']]), 'config must be an object');
  });
});
