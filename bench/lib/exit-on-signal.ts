// Preloaded (`node --cpu-prof -r dist/bench/lib/exit-on-signal.js …`) into a profiled app. Nest's
// shutdown hook re-sends SIGTERM to itself after closing, which kills the process before
// `--cpu-prof` can write its profile; this listener turns that second signal into a normal exit.
let seen = 0;
process.on('SIGTERM', () => {
  seen++;
  if (seen === 1) {
    // Let the app's own handler shut it down; never hang longer than this.
    setTimeout(() => process.exit(0), 15_000).unref();
    return;
  }
  process.exit(0);
});
