import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, WriteStream } from 'node:fs';
import { dirname } from 'node:path';

const TAIL_BYTES = 64 * 1024;

/**
 * A long-running child process for chaos and outage tests: keeps a bounded tail of its output
 * (optionally the whole log in a file), knows whether its exit was asked for, and can be killed
 * hard (SIGKILL) or stopped politely with a deadline. Only ever signals its own pid.
 */
export class ManagedProcess {
  readonly child: ChildProcess;
  private tailText = '';
  private log?: WriteStream;
  private expectedExit = false;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    options: { env?: NodeJS.ProcessEnv; cwd?: string; logFile?: string } = {},
  ) {
    if (options.logFile) {
      mkdirSync(dirname(options.logFile), { recursive: true });
      this.log = createWriteStream(options.logFile, { flags: 'a' });
    }
    this.child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (d: Buffer): void => {
      this.tailText = (this.tailText + d.toString()).slice(-TAIL_BYTES);
      this.log?.write(d);
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.log?.end();
        resolve({ code, signal });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** True when the process ended without us asking (a crash). */
  get crashed(): boolean {
    return !this.running && !this.expectedExit;
  }

  tail(bytes = 4000): string {
    return this.tailText.slice(-bytes);
  }

  /** `kill -9`: no shutdown hooks, no goodbye. */
  async kill9(): Promise<void> {
    this.expectedExit = true;
    if (this.running) {
      this.child.kill('SIGKILL');
    }
    await this.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    this.expectedExit = true;
    if (!this.running) {
      return;
    }
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Starts a compiled entry point of this repository (`dist/...`) with node. */
export function startDistNode(
  name: string,
  distEntry: string,
  env: NodeJS.ProcessEnv,
  options: { cwd?: string; logFile?: string } = {},
): ManagedProcess {
  return new ManagedProcess(name, process.execPath, [distEntry], { env, ...options });
}
