// Replies from a local program. For each message Clawline starts `command args...` directly
// (no shell, so nothing in a message can be interpreted as shell syntax), writes the message as
// JSON (the WireMessage in wire.ts, as webhooks get it) to its stdin and sends whatever it prints on stdout as the reply
// (empty output = no reply). The text is also in the environment for simple scripts:
//   CLAWLINE_TEXT, CLAWLINE_ACCOUNT_ID, CLAWLINE_CHAT_ID, CLAWLINE_SENDER (+E164),
//   CLAWLINE_SENDER_NAME, CLAWLINE_IS_GROUP ("1" or "0").
// A non-zero exit is a failure (its stderr goes to the log). On timeout the whole process tree
// is killed: the program runs in its own process group (POSIX) or is ended with taskkill /T.
import { spawn, type ChildProcess } from 'node:child_process';
import { systemClock, type Clock } from '../shared/clock.ts';
import { startDeadline, type Deadline } from './deadline.ts';
import { AgentError, excerpt, seconds } from './errors.ts';
import type { CommandSettings } from './settings.ts';
import type { Agent, AgentCallOptions, AgentDeps, AgentInput, AgentOutput } from './types.ts';
import { callSignal, toWireMessage } from './wire.ts';

export const MAX_COMMAND_OUTPUT_BYTES = 256 * 1024;
const STDERR_TAIL_CHARS = 4096;
const isWindows = process.platform === 'win32';

class OutputTooLarge extends Error {}

export class CommandAgent implements Agent {
  readonly kind = 'command' as const;
  /** Arguments are left out: they may hold tokens. */
  readonly description: string;
  private readonly clock: Clock;

  constructor(private readonly settings: CommandSettings, deps: Omit<AgentDeps, 'stateDir'> = {}) {
    this.clock = deps.clock ?? systemClock;
    this.description = `command ${settings.command}`;
  }

  async *reply(input: AgentInput, opts?: AgentCallOptions): AsyncIterable<AgentOutput> {
    const text = await this.run(input, opts);
    if (text) yield { text };
  }

  /** Runs the program once and returns its trimmed stdout. Throws AgentError. */
  async run(input: AgentInput, opts?: AgentCallOptions): Promise<string> {
    const deadline = startDeadline(this.clock, this.settings.timeoutMs, callSignal(input, opts));
    try {
      return (await this.execute(input, deadline.signal)).trim();
    } catch (err) {
      deadline.throwIfCallerAborted();
      throw this.toAgentError(err, deadline);
    } finally {
      deadline.dispose();
    }
  }

  private execute(input: AgentInput, signal: AbortSignal): Promise<string> {
    return new Promise((resolve, reject) => {
      let child: ChildProcess;
      try {
        child = spawn(this.settings.command, this.settings.args, {
          shell: false,
          // Own process group, so a timeout can kill the program and everything it started.
          detached: !isWindows,
          windowsHide: true,
          stdio: ['pipe', 'pipe', 'pipe'],
          env: { ...process.env, ...messageEnv(input) },
        });
      } catch (err) {
        // Windows refuses .cmd/.bat without a shell synchronously (EINVAL).
        reject(err);
        return;
      }
      const chunks: Buffer[] = [];
      let outBytes = 0;
      let stderrTail = '';
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        fn();
      };
      const stop = () => {
        killTree(child);
        child.stdin?.destroy();
        child.stdout?.destroy();
        child.stderr?.destroy();
      };
      const onAbort = () => settle(() => {
        stop();
        reject(signal.reason);
      });
      signal.addEventListener('abort', onAbort, { once: true });

      child.on('error', (err) => settle(() => reject(err)));
      child.stdout!.on('data', (chunk: Buffer) => {
        outBytes += chunk.length;
        if (outBytes > MAX_COMMAND_OUTPUT_BYTES) {
          settle(() => {
            stop();
            reject(new OutputTooLarge());
          });
          return;
        }
        chunks.push(chunk);
      });
      child.stderr!.on('data', (chunk: Buffer) => {
        stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
      });
      child.on('close', (code, killedBy) => settle(() => {
        if (code === 0) resolve(Buffer.concat(chunks).toString('utf8'));
        else reject(Object.assign(new Error('command failed'), { exitCode: code, killedBy, stderr: stderrTail }));
      }));
      // A program that never reads stdin closes the pipe early; that is its right.
      child.stdin!.on('error', () => {});
      child.stdin!.end(JSON.stringify(toWireMessage(input)));
      if (signal.aborted) onAbort();
    });
  }

  private toAgentError(err: unknown, deadline: Deadline): AgentError {
    const name = `"${this.settings.command}"`;
    if (deadline.timedOut()) {
      return new AgentError('command', 'timeout', `The command ${name} did not finish within ${seconds(this.settings.timeoutMs)}, so it was stopped.`,
        'Make it answer faster, or raise clawline.agent.command.timeoutMs.', { cause: err });
    }
    if (err instanceof OutputTooLarge) {
      return new AgentError('command', 'output-too-large', `The command ${name} printed more than ${MAX_COMMAND_OUTPUT_BYTES / 1024} KB, so it was stopped.`,
        'Make it print only the reply text on stdout (send logs to stderr).');
    }
    const failed = err as { exitCode?: number | null; killedBy?: string | null; stderr?: string; code?: string; message?: string };
    if (failed.exitCode !== undefined || failed.killedBy) {
      const how = failed.exitCode !== null && failed.exitCode !== undefined ? `exit code ${failed.exitCode}` : `stopped by ${failed.killedBy}`;
      const said = excerpt(failed.stderr ?? '', 300);
      return new AgentError('command', 'exit-code', `The command ${name} failed (${how})${said ? `: ${said}` : ', with nothing on stderr'}.`,
        `Run it yourself to see the problem, e.g. echo '{"text":"hi"}' | ${this.settings.command} ${this.settings.args.join(' ')}`.trimEnd(),
        { cause: err, ...(typeof failed.exitCode === 'number' ? { status: failed.exitCode } : {}) });
    }
    switch (failed.code) {
      case 'ENOENT':
        return new AgentError('command', 'spawn-failed', `Could not start ${name}: there is no such program.`,
          "Put the program's full path in clawline.agent.command.command (the app may not see your shell's PATH).", { cause: err });
      case 'EACCES':
        return new AgentError('command', 'spawn-failed', `Could not start ${name}: it is not executable (permission denied).`,
          'Make it executable (chmod +x), or set command to its interpreter (e.g. node or python3) and put the script in args.', { cause: err });
      case 'EINVAL':
        return new AgentError('command', 'spawn-failed', `Could not start ${name}: Windows runs .cmd and .bat files only through a shell.`,
          'Point command at the .exe (e.g. node.exe or python.exe) and put the script in args.', { cause: err });
      default:
        return new AgentError('command', 'spawn-failed', `Could not start ${name}: ${failed.message ?? String(err)}.`,
          'Check clawline.agent.command.command and args.', { cause: err });
    }
  }
}

/** Environment variables describing the message (NUL bytes removed: the OS rejects them). */
export function messageEnv(input: AgentInput): Record<string, string> {
  const clean = (s: string) => s.replace(/\0/g, '');
  return {
    CLAWLINE_TEXT: clean(input.text),
    CLAWLINE_ACCOUNT_ID: clean(input.accountId),
    CLAWLINE_CHAT_ID: clean(input.chatId),
    CLAWLINE_SENDER: clean(input.sender.id),
    CLAWLINE_SENDER_NAME: clean(input.sender.name ?? ''),
    CLAWLINE_IS_GROUP: input.isGroup ? '1' : '0',
  };
}

function killTree(child: ChildProcess): void {
  if (child.pid === undefined) return;
  if (isWindows) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    spawn('taskkill', ['/pid', String(child.pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).on('error', () => child.kill());
    return;
  }
  // The group outlives its leader while anything it started still runs, so kill it even if
  // the program itself already exited.
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
