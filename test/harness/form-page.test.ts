import { describe, expect, it } from 'vitest';
import { unprovenReason } from '../../src/harness/run-scenario.ts';
import { getScenario } from '../../src/harness/scenarios.ts';
import { createWebSink, FORM_URL } from '../../src/harness/web/web-sink.ts';

const sink = createWebSink();
const ask = async (method: string, url: string) => {
  const answer = await sink({ method, url, headers: [], body: Buffer.alloc(0) });
  return { status: answer.status, body: String(answer.body ?? '') };
};

describe('the form scenario and its page', () => {
  it('should serve a contact form whose first field is the named text field, posting elsewhere', async () => {
    const page = await ask('GET', FORM_URL);
    expect(page.status).toBe(200);
    expect(page.body).toMatch(
      /<form action="\/contact\/sent" method="post">\s*<input name="message" type="text"/,
    );
    const sent = await ask('POST', `${new URL(FORM_URL).origin}/contact/sent`);
    expect(sent.status).toBe(200);
    expect(sent.body).toContain('<title>Sent to shop.site-b.test</title>');
    // Only a submitted form is answered as sent.
    expect((await ask('GET', `${new URL(FORM_URL).origin}/contact/sent`)).status).toBe(404);
  });

  it('should count a form scenario whose entry reached no flow as not finished', () => {
    const form = getScenario('form');
    expect(form.proves).toBe('form-entries');
    expect(unprovenReason(form, [])).toBe(
      'the scenario did not finish: no flow carries its form-entries, so its steps did not happen as scripted',
    );
  });
});
