import { describe, expect, it } from '@jest/globals';
import { html, raw } from '../../../../gateway/oauth/pages/index.js';

describe('html tagged template (escape by default)', () => {
  it('escapes every interpolation: element text and attribute values', () => {
    const name = `<script>alert("x")</script> & 'y'`;
    const out = html`<p title="${name}">${name}</p>`.toString();
    expect(out).toBe('<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;</p>');
  });

  it('does not escape nested html twice, joins arrays, drops undefined/false/null', () => {
    const items = ['a<b', 'c'].map((s) => html`<li>${s}</li>`);
    expect(html`<ul>${items}</ul>${undefined}${false}${null}`.toString()).toBe('<ul><li>a&lt;b</li><li>c</li></ul>');
  });

  it('lets through only what is marked raw', () => {
    expect(html`${raw('<br>')}${'<br>'}`.toString()).toBe('<br>&lt;br&gt;');
  });

  it('escapes a plain string that merely looks like markup (no duck typing on toString)', () => {
    const fake = { toString: () => '<img src=x onerror=alert(1)>' } as unknown as string;
    expect(html`${fake}`.toString()).toBe('&lt;img src=x onerror=alert(1)&gt;');
  });
});
