import { describe, expect, it } from 'vitest';
import { course } from './run-course.js';

describe('course usage', () => {
  it('--help lists every subcommand and exits 0', async () => {
    const { code, stdout } = await course('--help');
    expect(code).toBe(0);
    for (const name of ['data', 'eval', 'params', 'budget', 'sample']) {
      expect(stdout).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
    }
  });

  it("a subcommand's --help lists its flags with defaults", async () => {
    const { code, stdout } = await course('eval', '--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/--batches <n>.*\(default: 20\)/);
    expect(stdout).toMatch(/-b <B>.*\(default: 4\)/);
    expect(stdout).toContain('--hellaswag <file>');
    expect(stdout).toMatch(/--backend <name>[\s\S]*default:\s+env\s+COURSE_BACKEND,\s+else\s+auto/);
  });

  it('an unknown flag is a usage error naming it (exit 2)', async () => {
    const sizes = ['--depth', '1', '--channels', '64', '--heads', '1'];
    const { code, stderr } = await course('params', 'gpt2', ...sizes, '--frobnicate');
    expect(code).toBe(2);
    expect(stderr).toContain('--frobnicate');
  });

  it('an unknown subcommand, or none, is a usage error (exit 2)', async () => {
    expect((await course('frobnicate')).code).toBe(2);
    const none = await course();
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: course');
  });

  it('a malformed number names the flag and is exit 2, without a stack trace', async () => {
    const { code, stderr } = await course(
      'params',
      'gpt2',
      '--depth',
      'x',
      '--channels',
      '64',
      '--heads',
      '1',
    );
    expect(code).toBe(2);
    expect(stderr).toContain('--depth');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
