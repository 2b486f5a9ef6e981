// The pure parts of scale-out: the outbox's policies, the dedup window, the session log's numbering
// and limits, the client's session bookkeeping, and the delay after 1012/1013.
import { describe, expect, it } from 'vitest';
import { DedupWindow } from '../../src/extras/adapters/dedup-window.js';
import { Outbox, OutboxFullError } from '../../src/extras/adapters/outbox.js';
import { isServiceRestartCode, serviceRestartDelay } from '../../src/extras/reconnect-policy.js';
import { ClientSession } from '../../src/extras/reconnect-session.js';
import { Session } from '../../src/server/session-log.js';
import { decideFromRequest } from '../../src/server/session-binding.js';

const entry = (id: string) => ({ id, envelope: Buffer.from(id) });

describe('Outbox: bounded, in order, a policy when full', () => {
  it('drop-oldest keeps the newest', () => {
    const outbox = new Outbox(2, 'drop-oldest');
    expect(outbox.push(entry('a'))).toBeUndefined();
    outbox.push(entry('b'));
    expect(outbox.push(entry('c'))?.id).toBe('a');
    expect(outbox.peek(5).map((e) => e.id)).toEqual(['b', 'c']);
  });
  it('drop-newest refuses the new one', () => {
    const outbox = new Outbox(1, 'drop-newest');
    outbox.push(entry('a'));
    expect(outbox.push(entry('b'))?.id).toBe('b');
    expect(outbox.peek(5).map((e) => e.id)).toEqual(['a']);
  });
  it('error throws OutboxFullError', () => {
    const outbox = new Outbox(1, 'error');
    outbox.push(entry('a'));
    expect(() => outbox.push(entry('b'))).toThrow(OutboxFullError);
  });
  it('commit removes what was written, in order, over many entries', () => {
    const outbox = new Outbox(5000, 'error');
    for (let i = 0; i < 3000; i++) outbox.push(entry(String(i)));
    outbox.commit(2500);
    expect(outbox.size).toBe(500);
    expect(outbox.peek(1)[0]!.id).toBe('2500');
  });
});

describe('DedupWindow', () => {
  it('reports a repeat and forgets the oldest beyond its size', () => {
    const window = new DedupWindow(2);
    expect(window.add('a')).toBe(true);
    expect(window.add('a')).toBe(false);
    window.add('b');
    window.add('c');
    expect(window.has('a')).toBe(false);
    expect(window.has('c')).toBe(true);
  });
});

describe('Session log', () => {
  const limits = { maxMessages: 3, maxBytes: 1000 };
  it('numbers messages from 1, refuses a message id twice, and keeps the newest maxMessages', () => {
    const session = new Session('s', limits);
    expect(session.push('a', false, 'id-a')).toBe(true);
    expect(session.push('a again', false, 'id-a')).toBe(false);
    for (const text of ['b', 'c', 'd']) session.push(text, false);
    expect(session.lastSeq).toBe(4);
    expect(session.canResumeFrom(0)).toBe(false); // message 1 is gone
    expect(session.canResumeFrom(1)).toBe(true);
    expect(session.canResumeFrom(5)).toBe(false); // more than was sent
  });
  it('keeps at most maxBytes (and always the newest message)', () => {
    const session = new Session('s', { maxMessages: 100, maxBytes: 10 });
    session.push('123456', false);
    session.push('abcdef', false);
    expect(session.canResumeFrom(0)).toBe(false);
    expect(session.canResumeFrom(1)).toBe(true);
  });
  it('replays what follows the offset, text and binary, after a round trip through its record', () => {
    const session = new Session('s', limits);
    session.topics.add('room');
    session.push('t', false, 'm1');
    session.push(Buffer.from([1, 2]), true);
    const copy = Session.fromRecord('s', limits, session.toRecord('5-0'))!;
    expect(copy.position).toBe('5-0');
    expect([...copy.topics]).toEqual(['room']);
    expect(copy.hasMessage('m1')).toBe(true);
    const sent: Array<[unknown, boolean]> = [];
    copy.rawSend = (data, options) => sent.push([data, options.binary]);
    copy.replayFrom(0);
    expect(sent).toEqual([['t', false], [Buffer.from([1, 2]), true]]);
    expect(Session.fromRecord('s', limits, Buffer.from('not json'))).toBeUndefined();
  });
});

describe('resume request and client bookkeeping', () => {
  it('reads the session from headers first, then the query string; a bad offset matches nothing', () => {
    expect(decideFromRequest({ url: '/?ws6455-session=q&ws6455-offset=2', headers: {} })).toEqual({ sessionId: 'q', offset: 2 });
    expect(decideFromRequest({ url: '/?ws6455-session=q', headers: { 'ws6455-session': 'h', 'ws6455-offset': '7' } })).toEqual({ sessionId: 'h', offset: 7 });
    expect(decideFromRequest({ url: '/', headers: { 'ws6455-session': 'h', 'ws6455-offset': '-1' } }).offset).toBe(-1);
    expect(decideFromRequest({ url: '/', headers: {} }).sessionId).toBeUndefined();
  });
  it('ClientSession: new, then resumed with its count, then lost resets the count', () => {
    const session = new ClientSession();
    expect(session.headers()).toEqual({});
    expect(session.onResponse({ 'ws6455-session': 'a' })).toEqual({ kind: 'new', sessionId: 'a' });
    session.onMessage();
    session.onMessage();
    expect(session.headers()).toEqual({ 'ws6455-session': 'a', 'ws6455-offset': '2' });
    expect(session.onResponse({ 'ws6455-session': 'a', 'ws6455-resume': 'ok' })).toEqual({ kind: 'resumed', sessionId: 'a', offset: 2 });
    expect(session.onResponse({ 'ws6455-session': 'b', 'ws6455-resume': 'lost' })).toEqual({ kind: 'lost', sessionId: 'b', previous: 'a', offset: 2 });
    expect(session.offset).toBe(0);
  });
});

describe('after 1012/1013: full jitter over at least restartSpread', () => {
  const backoff = { minDelay: 100, maxDelay: 30_000, factor: 2, jitter: 0.5 };
  it('the first delay spans [0, spread]', () => {
    expect(isServiceRestartCode(1012)).toBe(true);
    expect(isServiceRestartCode(1013)).toBe(true);
    expect(isServiceRestartCode(1001)).toBe(false);
    expect(serviceRestartDelay(1, backoff, 5000, () => 0)).toBe(5000);
    expect(serviceRestartDelay(1, backoff, 5000, () => 1)).toBe(0);
    expect(serviceRestartDelay(2, backoff, 5000, () => 0)).toBe(10_000);
  });
});
