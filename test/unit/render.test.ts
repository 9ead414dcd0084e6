import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  extractPlaceholders,
  findUndeclaredPlaceholders,
  RenderError,
  renderTemplate,
  type RenderableTemplate,
} from '../../domain/render.js';
import type { ContactSnapshot } from '../../workflows/contract.js';

function makeContact(overrides: Partial<ContactSnapshot> = {}): ContactSnapshot {
  return {
    id: '0190a000-0000-7000-8000-000000000001',
    email: 'ada@example.com',
    first_name: 'Ada',
    last_name: 'Lovelace',
    unsubscribed: false,
    properties: { plan: 'pro', seats: 3 },
    ...overrides,
  };
}

function makeTemplate(overrides: Partial<RenderableTemplate> = {}): RenderableTemplate {
  return {
    subject: 'Your {{{PRODUCT}}}',
    html: '<p>{{{PRODUCT}}} costs {{{PRICE}}}</p>',
    text: '{{{PRODUCT}}} costs {{{PRICE}}}',
    variables: [
      { key: 'PRODUCT', type: 'string', fallback_value: null },
      { key: 'PRICE', type: 'number', fallback_value: 25 },
    ],
    ...overrides,
  };
}

/** A template with an empty subject and HTML, so only its text is rendered. */
function makeTextTemplate(text: string, variables: RenderableTemplate['variables'] = makeTemplate().variables): RenderableTemplate {
  return { subject: '', html: '', text, variables };
}

describe('renderTemplate variables', () => {
  it('fills declared variables everywhere', () => {
    const rendered = renderTemplate(makeTemplate(), { PRODUCT: 'Lamp', PRICE: 40 }, makeContact());
    expect(rendered.subject).toBe('Your Lamp');
    expect(rendered.html).toBe('<p>Lamp costs 40</p>');
    expect(rendered.text).toBe('Lamp costs 40');
  });

  it('uses the declared fallback', () => {
    const rendered = renderTemplate(makeTemplate(), { PRODUCT: 'Lamp' }, makeContact());
    expect(rendered.text).toBe('Lamp costs 25');
  });

  it('uses the fallback for a null value', () => {
    const rendered = renderTemplate(makeTemplate(), { PRODUCT: 'Lamp', PRICE: null }, makeContact());
    expect(rendered.text).toBe('Lamp costs 25');
  });

  it('keeps an empty string value', () => {
    const template = makeTextTemplate('[{{{NOTE}}}]', [{ key: 'NOTE', type: 'string', fallback_value: 'none' }]);
    expect(renderTemplate(template, { NOTE: '' }, makeContact()).text).toBe('[]');
  });

  it('rejects a missing value without fallback', () => {
    const render = () => renderTemplate(makeTemplate(), { PRICE: 1 }, makeContact());
    expect(render).toThrow(RenderError);
    expect(render).toThrow('template variable "PRODUCT" has no value and no fallback');
  });

  it('prefers an inline fallback over the declared one', () => {
    const template = makeTextTemplate('{{{PRICE|free}}}');
    expect(renderTemplate(template, {}, makeContact()).text).toBe('free');
  });

  it('accepts an inline fallback for a required variable', () => {
    const template = makeTextTemplate('{{{PRODUCT|item}}}');
    expect(renderTemplate(template, {}, makeContact()).text).toBe('item');
  });

  it('accepts numeric strings for number variables', () => {
    const template = makeTextTemplate('{{{PRICE}}}');
    expect(renderTemplate(template, { PRICE: '19.99' }, makeContact()).text).toBe('19.99');
  });

  it('rejects text for number variables', () => {
    const template = makeTextTemplate('{{{PRICE}}}');
    const render = () => renderTemplate(template, { PRICE: 'cheap' }, makeContact());
    expect(render).toThrow(RenderError);
    expect(render).toThrow('template variable "PRICE" must be a number, got "cheap"');
  });

  it('formats scalars and structures for string variables', () => {
    const template = makeTextTemplate('{{{PRODUCT}}}');
    expect(renderTemplate(template, { PRODUCT: 7 }, makeContact()).text).toBe('7');
    expect(renderTemplate(template, { PRODUCT: true }, makeContact()).text).toBe('true');
    expect(renderTemplate(template, { PRODUCT: ['a', 'b'] }, makeContact()).text).toBe('["a","b"]');
    expect(renderTemplate(template, { PRODUCT: { size: 'L' } }, makeContact()).text).toBe('{"size":"L"}');
  });

  it('tolerates whitespace inside braces', () => {
    const template = makeTextTemplate('{{{  PRODUCT }}}/{{{ contact.first_name | there }}}');
    expect(renderTemplate(template, { PRODUCT: 'Lamp' }, makeContact()).text).toBe('Lamp/Ada');
  });

  it('rejects an undeclared placeholder', () => {
    const template = makeTextTemplate('Hi {{{NICKNAME}}}');
    const render = () => renderTemplate(template, { PRODUCT: 'x', NICKNAME: 'Ace' }, makeContact());
    expect(render).toThrow(RenderError);
    expect(render).toThrow('template placeholder "NICKNAME" is not a declared variable');
  });

  it('ignores inherited names in values', () => {
    const template = makeTextTemplate('{{{constructor}}}', [{ key: 'constructor', type: 'string', fallback_value: 'plain' }]);
    expect(renderTemplate(template, {}, makeContact()).text).toBe('plain');
  });

  it('keeps a null text as null', () => {
    const rendered = renderTemplate(makeTemplate({ text: null }), { PRODUCT: 'Lamp' }, makeContact());
    expect(rendered.text).toBeNull();
  });
});

describe('renderTemplate contact fields', () => {
  it('fills built-in contact fields', () => {
    const template = makeTextTemplate('{{{contact.first_name}}} {{{contact.last_name}}} <{{{contact.email}}}>');
    expect(renderTemplate(template, {}, makeContact()).text).toBe('Ada Lovelace <ada@example.com>');
  });

  it('fills custom properties in both forms', () => {
    const template = makeTextTemplate('{{{contact.plan}}}/{{{contact.properties.seats}}}');
    expect(renderTemplate(template, {}, makeContact()).text).toBe('pro/3');
  });

  it('uses the inline fallback for empty fields', () => {
    const template = makeTextTemplate('Hi {{{contact.first_name|there}}}');
    expect(renderTemplate(template, {}, makeContact({ first_name: null })).text).toBe('Hi there');
    expect(renderTemplate(template, {}, makeContact({ first_name: '' })).text).toBe('Hi there');
  });

  it('renders an empty field without fallback as empty', () => {
    const template = makeTextTemplate('Hi {{{contact.first_name}}}!');
    expect(renderTemplate(template, {}, makeContact({ first_name: null })).text).toBe('Hi !');
  });

  it('uses fallbacks without a contact', () => {
    const template = makeTextTemplate('Hi {{{contact.first_name|friend}}}{{{contact.plan}}}');
    expect(renderTemplate(template, {}, null).text).toBe('Hi friend');
  });

  it('uses the fallback for a missing property', () => {
    const template = makeTextTemplate('{{{contact.company|your team}}}');
    expect(renderTemplate(template, {}, makeContact()).text).toBe('your team');
  });
});

describe('renderTemplate extra values', () => {
  it('fills names from extra', () => {
    const template = makeTemplate({ html: '<a href="{{{RESEND_UNSUBSCRIBE_URL}}}">Unsubscribe</a>', text: null });
    const rendered = renderTemplate(template, { PRODUCT: 'x' }, makeContact(), {
      RESEND_UNSUBSCRIBE_URL: 'https://mail.example.com/unsubscribe?c=1&s=abc',
    });
    expect(rendered.html).toBe('<a href="https://mail.example.com/unsubscribe?c=1&amp;s=abc">Unsubscribe</a>');
  });

  it('rejects a built-in name missing from extra', () => {
    const template = makeTextTemplate('{{{RESEND_UNSUBSCRIBE_URL}}}');
    expect(() => renderTemplate(template, { PRODUCT: 'x' }, makeContact())).toThrow('"RESEND_UNSUBSCRIBE_URL" is not a declared variable');
  });
});

describe('renderTemplate escaping', () => {
  it('escapes values in HTML', () => {
    const rendered = renderTemplate(makeTemplate(), { PRODUCT: `<script>alert("x" & 'y')</script>`, PRICE: 1 }, makeContact());
    expect(rendered.html).toBe('<p>&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt; costs 1</p>');
  });

  it('inserts values raw in text', () => {
    const rendered = renderTemplate(makeTemplate(), { PRODUCT: '<b>Lamp</b> & co', PRICE: 1 }, makeContact());
    expect(rendered.text).toBe('<b>Lamp</b> & co costs 1');
  });

  it('inserts values raw in the subject', () => {
    const rendered = renderTemplate(makeTemplate(), { PRODUCT: '<b>Lamp</b> & co' }, makeContact());
    expect(rendered.subject).toBe('Your <b>Lamp</b> & co');
  });

  it('keeps line breaks out of the subject', () => {
    const rendered = renderTemplate(makeTemplate(), { PRODUCT: 'Lamp\r\nBcc: victim@example.com' }, makeContact());
    expect(rendered.subject).toBe('Your Lamp Bcc: victim@example.com');
  });

  it('escapes contact fields and fallbacks in HTML', () => {
    const template = { ...makeTextTemplate(''), html: '{{{contact.first_name|<friend>}}} {{{contact.last_name}}}' };
    const rendered = renderTemplate(template, {}, makeContact({ first_name: null, last_name: 'O\'Brien <3' }));
    expect(rendered.html).toBe('&lt;friend&gt; O&#39;Brien &lt;3');
  });

  it('does not render template syntax inside values', () => {
    const template = makeTextTemplate('Hi {{{contact.first_name}}}, {{{PRODUCT}}}');
    const rendered = renderTemplate(template, { PRODUCT: '{{{PRICE}}}' }, makeContact({ first_name: '{{{contact.email}}}' }));
    expect(rendered.text).toBe('Hi {{{contact.email}}}, {{{PRICE}}}');
  });

  it('does not expand replacement patterns in values', () => {
    const template = makeTextTemplate('{{{PRODUCT}}}');
    expect(renderTemplate(template, { PRODUCT: "$& $1 $` $'" }, makeContact()).text).toBe("$& $1 $` $'");
  });

  it('leaves text that is not a placeholder alone', () => {
    const template = makeTextTemplate('{{PRODUCT}} {{{ not a name }}} {x}');
    expect(renderTemplate(template, {}, makeContact()).text).toBe('{{PRODUCT}} {{{ not a name }}} {x}');
  });
});

describe('renderTemplate contact data with template syntax', () => {
  /** Strings built from template syntax fragments and any other text. */
  const syntaxText = fc
    .array(
      fc.oneof(
        fc.constantFrom('{{{', '}}}', '{{{contact.email}}}', '{{{PRODUCT}}}', '{{{RESEND_UNSUBSCRIBE_URL}}}', '|', '$&', '$1', '<b>', '&'),
        fc.string({ maxLength: 8 }),
      ),
      { maxLength: 8 },
    )
    .map((parts) => parts.join(''));

  it('renders any contact value literally', () => {
    const template = makeTemplate({
      subject: '{{{contact.first_name}}}',
      html: '<p>{{{contact.first_name}}} {{{contact.nickname}}}</p>',
      text: '{{{contact.first_name}}} {{{contact.nickname}}}',
    });
    fc.assert(
      fc.property(syntaxText, syntaxText, (firstName, nickname) => {
        const contact = makeContact({ first_name: firstName, properties: { nickname } });
        const rendered = renderTemplate(template, { PRODUCT: 'Lamp' }, contact, { RESEND_UNSUBSCRIBE_URL: 'https://example.com/u' });
        expect(rendered.text).toBe(`${firstName} ${nickname}`);
        expect(rendered.subject).toBe(firstName.replace(/[\r\n]+/g, ' '));
        expect(rendered.html).toBe(`<p>${escapeForTest(firstName)} ${escapeForTest(nickname)}</p>`);
      }),
    );
  });
});

function escapeForTest(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

describe('extractPlaceholders', () => {
  it('lists each name once in order', () => {
    expect(extractPlaceholders('{{{B}}} {{{ A }}} {{{B}}} {{{contact.first_name|there}}}')).toEqual(['B', 'A', 'contact.first_name']);
  });

  it('returns nothing for plain text', () => {
    expect(extractPlaceholders('Hello {{name}}')).toEqual([]);
  });
});

describe('findUndeclaredPlaceholders', () => {
  it('lists names that are not declared', () => {
    const template = makeTemplate({
      subject: '{{{PRODUCT}}} {{{PROMO}}}',
      html: '{{{contact.first_name}}} {{{RESEND_UNSUBSCRIBE_URL}}} {{{EXTRA}}}',
      text: '{{{PRICE}}} {{{PROMO}}}',
    });
    expect(findUndeclaredPlaceholders(template)).toEqual(['PROMO', 'EXTRA']);
  });

  it('accepts a fully declared template', () => {
    expect(findUndeclaredPlaceholders(makeTemplate())).toEqual([]);
  });

  it('takes custom built-in names', () => {
    const template = makeTextTemplate('{{{RESEND_UNSUBSCRIBE_URL}}}');
    expect(findUndeclaredPlaceholders(template, [])).toEqual(['RESEND_UNSUBSCRIBE_URL']);
  });
});
