// A fixture server in a child process that prints "listening" when ready and then JSON lines;
// tests kill it (SIGKILL: the clients see the TCP connection die, no close frame) and start it
// again on the same port.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export class ServerProcess {
  #child: ChildProcess | undefined;
  /** Every JSON line printed, across restarts. */
  readonly events: Array<Record<string, unknown>> = [];

  constructor(
    readonly script: string,
    readonly args: string[],
    readonly env: Record<string, string> = {},
  ) {}

  start(): Promise<void> {
    const child = spawn(process.execPath, [this.script, ...this.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...this.env },
    });
    this.#child = child;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        if (line === 'listening') resolve();
        else if (line.startsWith('{')) this.events.push(JSON.parse(line) as Record<string, unknown>);
      });
      child.once('exit', (code) => reject(new Error(`${this.script} exited with ${code}: ${stderr}`)));
    });
  }

  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** The `field` values of every event that has it, in order. */
  values(field: string): unknown[] {
    return this.events.filter((event) => field in event).map((event) => event[field]);
  }
}
