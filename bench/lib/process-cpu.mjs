// CPU time of another process, read from /proc at the instant the caller asks. The load process
// samples the server this way at the exact moments it snapshots its own counters: asking the
// server over IPC instead was tried and failed under load, because a busy or CPU-starved server
// answered the first query over a second late, after most of the measuring window.
import { readFileSync, readdirSync } from 'node:fs';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in ticks of 10 ms. */
const TICKS_PER_SECOND = 100;

/**
 * Microseconds of CPU used so far by every thread of `pid` (the main thread, libuv's pool doing
 * zlib work, V8's GC helpers): the sum of the nanosecond run times in each thread's schedstat,
 * or the 10 ms-resolution utime + stime where schedstat is not compiled in.
 */
export function processCpuMicros(pid) {
  try {
    let nanoseconds = 0;
    for (const thread of readdirSync(`/proc/${pid}/task`)) {
      nanoseconds += threadRunTime(pid, thread);
    }
    return nanoseconds / 1000;
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
    return coarseCpuMicros(pid);
  }
}

function threadRunTime(pid, thread) {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'latin1').split(' ')[0]);
  } catch (error) {
    // A thread that exited between listing and reading has nothing left to count here.
    if (error.code === 'ENOENT' && readdirSync(`/proc/${pid}/task`).length > 0) return 0;
    throw error;
  }
}

function coarseCpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // Fields after the parenthesised command name, which may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / TICKS_PER_SECOND;
}
