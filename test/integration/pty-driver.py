#!/usr/bin/env python3
"""Runs a command on a new pseudo-terminal, as a terminal emulator would, driven by the
test over JSON lines. Usage: pty-driver.py ROWS COLS CMD [ARGS...]

The command is the session leader with the pty as its controlling terminal (pty.fork),
so a resize reaches it as SIGWINCH from the kernel. stdin takes one JSON object a line:
  {"send": TEXT}          write TEXT to the terminal (what a user types)
  {"resize": [ROWS, COLS]} set the window size
  {"attrs": true}          report the terminal's termios settings
  {"kill": SIGNAL}         signal the command
stdout gives one JSON object a line: {"out": TEXT}, {"attrs": [...]}, {"exit": STATUS}.
"""
import fcntl, json, os, pty, select, signal, struct, sys, termios, time

rows, cols, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
pid, master = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)

def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()

def winsize(r, c):
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", r, c, 0, 0))

winsize(rows, cols)
emit({"attrs": termios.tcgetattr(master)[:6]})
stdin = sys.stdin.fileno()
status = None
deadline = None
buf = b""
watch = [master, stdin]
while master in watch and (deadline is None or time.monotonic() < deadline):
    ready, _, _ = select.select(watch, [], [], 0.05)
    if master in ready:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b""
        if data:
            emit({"out": data.decode("utf-8", "replace")})
        else:
            watch.remove(master)
    if stdin in ready:
        chunk = os.read(stdin, 65536)
        if not chunk:
            watch.remove(stdin)
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            msg = json.loads(line)
            if "send" in msg:
                os.write(master, msg["send"].encode())
            if "resize" in msg:
                winsize(*msg["resize"])
            if "attrs" in msg:
                emit({"attrs": termios.tcgetattr(master)[:6]})
            if "kill" in msg:
                os.kill(pid, getattr(signal, msg["kill"]))
    if status is None:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
            # The terminal as the command left it; then what output is still on its way.
            emit({"attrs": termios.tcgetattr(master)[:6]})
            deadline = time.monotonic() + 0.3
if status is None:
    _, status = os.waitpid(pid, 0)
    emit({"attrs": termios.tcgetattr(master)[:6]})
emit({"exit": os.waitstatus_to_exitcode(status)})
