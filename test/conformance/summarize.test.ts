// autobahn/summarize.mjs, run as users run it, on report fixtures in the suite's index.json shape.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = join(import.meta.dirname, '../../autobahn/summarize.mjs');
const FIXTURES = join(import.meta.dirname, '../../autobahn/fixtures');

function summarize(...args: string[]): { status: number; out: string } {
  try {
    return { status: 0, out: execFileSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', stdio: 'pipe' }) };
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    return { status: failed.status, out: failed.stdout + failed.stderr };
  }
}

const countLine = (out: string, agent: string, behavior: string): string | undefined => {
  const section = out.split(/^(?=\S)/m).find((part) => part.startsWith(`${agent}:`)) ?? '';
  return section.split('\n').find((line) => line.trimStart().startsWith(behavior + ' '))?.trim();
};

describe('a report where every case is OK or INFORMATIONAL', () => {
  it('counts each behavior, lists nothing and exits 0', () => {
    const { status, out } = summarize(join(FIXTURES, 'all-ok.json'));
    expect(status).toBe(0);
    expect(out).toContain('ws6455: 6 cases');
    expect(countLine(out, 'ws6455', 'OK')).toBe('OK            4');
    expect(countLine(out, 'ws6455', 'INFORMATIONAL')).toBe('INFORMATIONAL 2');
    expect(countLine(out, 'ws6455', 'FAILED')).toBe('FAILED        0');
    expect(out).not.toMatch(/^\s+(FAILED|NON-STRICT|UNIMPLEMENTED): /m);
  });

  it('reads index.json from a reports directory too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'autobahn-report-'));
    try {
      copyFileSync(join(FIXTURES, 'all-ok.json'), join(dir, 'index.json'));
      expect(summarize(dir)).toMatchObject({ status: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a report with failures, per agent', () => {
  const { status, out } = summarize(join(FIXTURES, 'mixed.json'));

  it('exits non-zero', () => {
    expect(status).toBe(1);
  });

  it('counts a case by the worse of behavior and behaviorClose', () => {
    expect(countLine(out, 'ws6455', 'OK')).toBe('OK            3');
    expect(countLine(out, 'ws6455', 'NON-STRICT')).toBe('NON-STRICT    1');
    expect(countLine(out, 'ws6455', 'INFORMATIONAL')).toBe('INFORMATIONAL 1');
    expect(countLine(out, 'ws6455', 'UNIMPLEMENTED')).toBe('UNIMPLEMENTED 1');
    expect(countLine(out, 'ws6455', 'FAILED')).toBe('FAILED        2');
  });

  it('lists every case that is not OK, in case-id order, with WRONG CODE and FAILED BY CLIENT as failures', () => {
    const listed = [...out.matchAll(/^\s+(FAILED|NON-STRICT|UNIMPLEMENTED): (\S+)/gm)].map((match) => `${match[1]} ${match[2]}`);
    expect(listed).toEqual(['FAILED 2.5', 'NON-STRICT 6.4.3', 'FAILED 7.9.1', 'UNIMPLEMENTED 12.1.1', 'FAILED 1.1.2']);
  });

  it('reports each agent separately', () => {
    expect(out).toContain('other-agent: 2 cases');
    expect(countLine(out, 'other-agent', 'FAILED')).toBe('FAILED        1');
  });
});

describe('NON-STRICT alone', () => {
  it('still fails the run', () => {
    const { status, out } = summarize(join(FIXTURES, 'non-strict-only.json'));
    expect(status).toBe(1);
    expect(out).toMatch(/NON-STRICT: 6\.4\.4/);
  });
});

describe('usage errors', () => {
  it('exits 2 without an argument or with a missing report', () => {
    expect(summarize().status).toBe(2);
    expect(summarize(join(FIXTURES, 'missing.json'))).toMatchObject({ status: 2, out: expect.stringContaining('no Autobahn index') });
  });
});
