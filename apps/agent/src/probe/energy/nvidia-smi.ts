import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { why, type EnergyMeter, type EnergyProbe, type ProbeOutcome } from './meters';

const QUERY = ['--query-gpu=index,name,power.draw', '--format=csv,noheader,nounits'];

/** "0, NVIDIA H200, 123.45" → its name and watts (null when the GPU reports [N/A] / [Not Supported]). */
export function parsePowerLine(line: string): { name: string; watts: number | null } | null {
  const parts = line.split(',').map((p) => p.trim());
  if (parts.length < 3) return null;
  const watts = Number(parts[parts.length - 1]);
  return { name: parts.slice(1, -1).join(', '), watts: Number.isFinite(watts) ? watts : null };
}

/**
 * NVIDIA GPUs through nvidia-smi: power.draw of GPU `gpu` (onnxruntime's CUDA and TensorRT providers use device 0
 * unless told otherwise), streamed every `periodMs` by one long-running nvidia-smi (-lms) and integrated.
 */
export class NvidiaSmiProbe implements EnergyProbe {
  readonly source = 'nvidia-smi' as const;
  constructor(
    private readonly command = 'nvidia-smi',
    private readonly gpu = 0,
    private readonly periodMs = 100,
  ) {}

  async open(): Promise<ProbeOutcome> {
    const first = await new Promise<{ out: string } | { err: string }>((resolve) =>
      execFile(this.command, [...QUERY, `--id=${this.gpu}`], { timeout: 10_000 }, (err, stdout, stderr) =>
        resolve(
          err
            ? {
                err:
                  (err as NodeJS.ErrnoException).code === 'ENOENT'
                    ? `${this.command} not found (no NVIDIA driver installed)`
                    : `${this.command} failed: ${(stderr || stdout || why(err)).trim().split('\n')[0]}`,
              }
            : { out: stdout },
        ),
      ),
    );
    if ('err' in first) return { unavailable: first.err };
    const reading = parsePowerLine(first.out.trim().split('\n')[0] ?? '');
    if (!reading) return { unavailable: `unexpected nvidia-smi output: ${first.out.trim().slice(0, 200)}` };
    if (reading.watts === null) return { unavailable: `GPU ${this.gpu} (${reading.name}) does not report power.draw` };
    return { meter: new NvidiaSmiMeter(`GPU ${this.gpu} (${reading.name})`, this.command, this.gpu, this.periodMs) };
  }
}

class NvidiaSmiMeter implements EnergyMeter {
  private proc: ChildProcess | null = null;
  private samples: { atMs: number; watts: number }[] = [];
  private startedMs = 0;

  constructor(
    readonly scope: string,
    private readonly command: string,
    private readonly gpu: number,
    private readonly periodMs: number,
  ) {}

  start(): void {
    this.samples = [];
    this.startedMs = performance.now();
    const proc = spawn(this.command, [...QUERY, `--id=${this.gpu}`, `-lms=${this.periodMs}`], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    proc.on('error', () => {}); // checked in open(); a late failure leaves fewer samples, reported as such
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const w = parsePowerLine(line)?.watts;
      if (w != null) this.samples.push({ atMs: performance.now(), watts: w });
    });
    this.proc = proc;
  }

  async stop(): Promise<{ joules: number; seconds: number }> {
    const endMs = performance.now();
    const proc = this.proc;
    this.proc = null;
    if (proc && proc.exitCode === null) {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      await exited;
    }
    const seconds = (endMs - this.startedMs) / 1000;
    const s = this.samples.filter((x) => x.atMs <= endMs);
    if (!s.length) throw new Error('nvidia-smi printed no power reading during the run');
    // Each sample holds until the next one; the first also covers the time before it.
    let joules = 0;
    for (let i = 0; i < s.length; i++) {
      const from = i === 0 ? this.startedMs : s[i].atMs;
      const to = i + 1 < s.length ? s[i + 1].atMs : endMs;
      joules += s[i].watts * ((to - from) / 1000);
    }
    return { joules, seconds };
  }
}
