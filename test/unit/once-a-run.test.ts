// Notices said once a run (one Context), whichever caller comes first: the other-host notice once
// for each kind of key, the insecure-transport warnings once (or not at all once doctor gave them
// its own way). Each Context is a run of its own; the notices do not stand in for one another.
import { describe, expect, it } from 'vitest';
import { otherHostNoticeOnce, transportWarned, transportWarningsOnce } from '../../src/api/check.js';
import { onceARun } from '../../src/context.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const contexts = trackedContexts();
const ELSEWHERE = 'http://llm.example.test/v1';

describe('once a run', () => {
  it('the other-host notice: once for each kind of key; the transport warnings once, apart from it', () => {
    const t = contexts.make({ env: { NODE_TLS_REJECT_UNAUTHORIZED: '0' } });
    expect(otherHostNoticeOnce(t.ctx, 'key', ELSEWHERE, null)).toBe('The key is sent to llm.example.test, not to the OpenAI API.');
    expect(otherHostNoticeOnce(t.ctx, 'key', ELSEWHERE, null)).toBeNull();
    expect(otherHostNoticeOnce(t.ctx, 'admin', ELSEWHERE, null)).toMatch(/^The admin key is sent to llm\.example\.test, not to the OpenAI API: whoever runs that server/);
    expect(otherHostNoticeOnce(t.ctx, 'admin', ELSEWHERE, null)).toBeNull();
    const warnings = transportWarningsOnce(t.ctx, ELSEWHERE);
    expect(warnings).toEqual([expect.stringMatching(/^NODE_TLS_REJECT_UNAUTHORIZED=0 is set/), expect.stringMatching(/^http:\/\/llm\.example\.test\/v1 is plain http:\/\/ to another machine/)]);
    expect(transportWarningsOnce(t.ctx, ELSEWHERE)).toEqual([]);
  });

  it('each Context is a run of its own; warnings given another way (doctor) are not given again', () => {
    const first = contexts.make({});
    const second = contexts.make({});
    transportWarned(first.ctx);
    expect(transportWarningsOnce(first.ctx, ELSEWHERE)).toEqual([]);
    expect(otherHostNoticeOnce(first.ctx, 'key', ELSEWHERE, null)).not.toBeNull();
    expect(transportWarningsOnce(second.ctx, ELSEWHERE)).toHaveLength(1);
    expect(onceARun(first.ctx)).not.toBe(onceARun(second.ctx));
    expect(onceARun(first.ctx)).toBe(onceARun(first.ctx));
  });
});
