import { spawn } from 'child_process';
import * as fs from 'fs';
import { lastLine, runProcess } from '../../baselines/bpg-ldpc/process';
import { isUserError } from '../../bench/errors';
import { stopProcessHost } from '../../bench/process-host';

const NODE = process.execPath;

/** CPU milliseconds of this process's reaped children (cutime + cstime, 100 ticks per second). */
function childrenCpuMs(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 10;
}

/** Minor page faults taken while writing one value into every 4 KiB page of `a`. */
function faultsWriting(a: Float64Array): number {
  const f0 = process.resourceUsage().minorPageFault;
  for (let i = 0; i < a.length; i += 512) a[i] += 1;
  return process.resourceUsage().minorPageFault - f0;
}

afterAll(() => stopProcessHost());

describe('runProcess through the process host', () => {
  test('passes stdin through and returns stdout, stderr and the exit code', async () => {
    const input = new Uint8Array(3_000_001).map((_, i) => (i * 7) & 0xff);
    const cat = await runProcess(NODE, ['-e', 'process.stdin.pipe(process.stdout)'], input, 'hint');
    expect(cat.code).toBe(0);
    expect(Buffer.compare(cat.stdout, Buffer.from(input))).toBe(0);

    const fail = await runProcess(NODE, ['-e', 'console.error("bad stream at byte 7"); process.exit(3)'], null, 'hint');
    expect(fail.code).toBe(3);
    expect(fail.stdout.length).toBe(0);
    expect(lastLine(fail.stderr)).toBe('bad stream at byte 7');
  });

  test('arguments reach the program as given, with no shell in between', async () => {
    const args = ['a b', '$(echo no)', '"q"', ';', '*'];
    const r = await runProcess(NODE, ['-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', ...args], null, 'hint');
    expect(JSON.parse(r.stdout.toString('utf8'))).toEqual(args);
  });

  test('a program that is not there is one UserError naming it and the hint', async () => {
    const e = await runProcess('/nonexistent/ffmpeg', ['-version'], null, 'run npm ci').catch((x: unknown) => x);
    expect(isUserError(e)).toBe(true);
    expect((e as Error).message).toBe('cannot run /nonexistent/ffmpeg: not found (run npm ci)');
  });

  test('runs at once share the host, and a stopped host is replaced on the next run', async () => {
    const rs = await Promise.all([1, 2, 3].map((k) => runProcess(NODE, ['-e', `process.stdout.write("${k}")`], null, 'hint')));
    expect(rs.map((r) => r.stdout.toString())).toEqual(['1', '2', '3']);
    await stopProcessHost();
    const again = await runProcess(NODE, ['-e', 'process.stdout.write("4")'], null, 'hint');
    expect(again.stdout.toString()).toBe('4');
  });

  test("once the host is stopped, its programs' CPU time counts as this process's children's", async () => {
    await stopProcessHost();
    const before = childrenCpuMs();
    await runProcess(NODE, ['-e', 'const t = Date.now(); while (Date.now() - t < 400);'], null, 'hint');
    await stopProcessHost();
    expect(childrenCpuMs() - before).toBeGreaterThanOrEqual(300);
  });

  // The point of the host: a program started from a large process must not make that process's
  // memory copy-on-write. A direct spawn is the control: it faults on every page written after it.
  test('starting a program leaves this process’s memory as it was; a direct spawn does not', async () => {
    await runProcess(NODE, ['-e', '0'], null, 'hint'); // the host is up before the memory grows
    const big = new Float64Array((256 << 20) / 8).fill(1);
    const pages = big.length / 512;
    faultsWriting(big);
    await runProcess(NODE, ['-e', '0'], null, 'hint');
    const hosted = faultsWriting(big);
    await new Promise((resolve) => spawn(NODE, ['-e', '0']).on('close', resolve));
    const direct = faultsWriting(big);
    expect(hosted).toBeLessThan(pages * 0.05);
    expect(direct).toBeGreaterThan(pages * 0.5);
  });
});
