/**
 * The script starter's program when Python (3.8 or later) is installed: the same protocol as the
 * Perl one (`helper-source.ts`), but each script is started with `os.posix_spawn`, which glibc
 * implements with `clone(CLONE_VM | CLONE_VFORK)`: the child shares the helper's memory until its
 * `exec`, so no page table is copied and no page is copied on write, in either process. Measured
 * on the benchmark machine (a trivial shell script, started and waited for 500 times in a row):
 * Python's `posix_spawn` ~0.3 ms in the starter plus ~2.5-3.1 ms in the script, Perl's
 * `fork` + `exec` ~0.7 ms plus ~4.5-4.7 ms.
 * @module
 */

/**
 * Reads the requests of `helper-source.ts` on stdin and answers on stdout with the same lines,
 * with one difference: a script that cannot be executed (no such program, not executable) is
 * reported by `posix_spawn` itself, so it is answered `n ID MESSAGE` (no `s`, `e` or `x` line).
 * As there, end of stdin kills the process groups of the scripts still running and removes the
 * directory.
 * Exits are noticed through a SIGCHLD wake-up pipe (`signal.set_wakeup_fd`: the C-level handler
 * writes to it at once, so a `select` never sleeps through an exit). The lines of one turn (the
 * `s` of the scripts just started, the `x` of those just reaped) leave in one write just before
 * the helper blocks again: one write and one read in the server instead of one per line cut the
 * server's CPU per script by ~30 us (`cgi-shell`, 3 interleaved pairs).
 */
export const PYTHON_HELPER_SOURCE = String.raw`
import os, os.path, select, signal, sys
if sys.version_info < (3, 8):
    sys.exit("Python 3.8 or later is needed (os.posix_spawn with setsid)")
d = os.fsencode(sys.argv[1])
os.mkdir(d, 0o700)
wake_r, wake_w = os.pipe()
os.set_blocking(wake_w, False)
os.set_blocking(wake_r, False)
signal.signal(signal.SIGCHLD, lambda *a: None)
signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
ids = {}
early = {}
out = []
def say(s):
    out.append(s)
def gone():
    # The server is gone (or exiting): its scripts go too, also those it has not heard of yet,
    # and so does the FIFO directory.
    for pid in ids:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        for name in os.listdir(d):
            os.unlink(d + b"/" + name)
        os.rmdir(d)
    except OSError:
        pass
    os._exit(0)
def flush():
    # The answers of one turn leave in one write, before the helper blocks again.
    b = "".join(out).encode("utf-8", "replace")
    out.clear()
    try:
        while b:
            b = b[os.write(1, b):]
    except OSError:
        # EPIPE: the server died without closing our input first (a script's exit came before
        # the end of input was seen).
        gone()
def reap():
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 0
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        i = ids.pop(pid, None)
        if i is None:
            early[pid] = "%d %d" % (code, sig)
        else:
            say("x %s %d %d\n" % (i, code, sig))
buf = bytearray()
def fill():
    while True:
        if out:
            flush()
        r = select.select([0, wake_r], [], [])[0]
        if wake_r in r:
            try:
                while os.read(wake_r, 512):
                    pass
            except BlockingIOError:
                pass
            reap()
        if 0 in r:
            b = os.read(0, 65536)
            if not b:
                gone()
            buf.extend(b)
            return
def line():
    while True:
        i = buf.find(b"\n")
        if i >= 0:
            l = bytes(buf[:i])
            del buf[:i + 1]
            return l
        fill()
def take(n):
    while len(buf) < n:
        fill()
    v = bytes(buf[:n])
    del buf[:n]
    return v
def closeall(fds):
    for fd in fds:
        os.close(fd)
say("ready\n")
while True:
    f = line().split(b" ")
    if f[0] == b"f":
        bad = ""
        for name in f[1:]:
            try:
                os.mkfifo(d + b"/" + name, 0o600)
            except OSError as e:
                bad = "%s: %s" % (name.decode(), e.strerror)
        say("f ok\n" if bad == "" else "f err %s\n" % bad)
        continue
    if f[0] != b"r":
        continue
    i = f[1].decode()
    v = take(int(f[3])).split(b"\0")
    if len(v) != int(f[2]):
        say("n %s malformed request: %d fields, %s announced\n" % (i, len(v), f[2].decode()))
        continue
    cwd, fin, fout, ferr, cmd, nargs = v[:6]
    args = v[6:6 + int(nargs)]
    rest = v[6 + int(nargs):]
    env = dict(zip(rest[0::2], rest[1::2]))
    fds = []
    why = None
    try:
        # Non-blocking opens never wait (a write end fails at once if the server's read end is
        # gone); the script gets blocking ones.
        for p, mode in ((fin and d + b"/" + fin or b"/dev/null", os.O_RDONLY), (d + b"/" + fout, os.O_WRONLY), (d + b"/" + ferr, os.O_WRONLY)):
            fd = os.open(p, mode | os.O_NONBLOCK)
            fds.append(fd)
            os.set_blocking(fd, True)
    except OSError as e:
        why = "cannot open its pipes: %s" % e.strerror
    for name in (fin, fout, ferr):
        if name:
            try:
                os.unlink(d + b"/" + name)
            except OSError:
                pass
    if why is None:
        try:
            os.chdir(cwd)
        except OSError as e:
            why = "cannot change to the script's directory: %s" % e.strerror
    if why is not None:
        closeall(fds)
        say("n %s %s\n" % (i, why))
        continue
    path = cmd
    if b"/" not in cmd:
        # As execvp: the script's own PATH (glibc's posix_spawnp would search the helper's).
        for p in (env.get(b"PATH") or b"/bin:/usr/bin").split(b":"):
            c = (p or b".") + b"/" + cmd
            if os.path.isfile(c) and os.access(c, os.X_OK):
                path = c
                break
    try:
        # Python ignores SIGPIPE and SIGXFSZ, and ignored signals outlive exec: the script gets them
        # back at their defaults (as from fork + exec in a C server, or child_process.spawn).
        pid = os.posix_spawn(path, [cmd] + args, env, setsid=True, setsigdef=(signal.SIGPIPE, signal.SIGXFSZ), file_actions=[
            (os.POSIX_SPAWN_DUP2, fds[0], 0), (os.POSIX_SPAWN_DUP2, fds[1], 1), (os.POSIX_SPAWN_DUP2, fds[2], 2)])
    except (OSError, ValueError) as e:
        # ValueError: a NUL byte in an argument or the environment (the server refuses those first).
        closeall(fds)
        say("n %s cannot execute %s: %s\n" % (i, os.fsdecode(cmd), getattr(e, "strerror", None) or str(e)))
        continue
    closeall(fds)
    say("s %s %d\n" % (i, pid))
    s = early.pop(pid, None)
    if s is None:
        ids[pid] = i
    else:
        say("x %s %s\n" % (i, s))
`;
