/**
 * The script starter's program: a small long-lived Perl process (Perl is part of every Debian
 * system, `perl-base` is Essential) that forks and execs CGI scripts on request. Forking it
 * costs a fraction of forking the Node server (whose page tables are copied on every `fork()`:
 * ~6 ms per script on a 55 MB server), which is why Apache's mod_cgid hands spawning to a
 * small daemon too. See `script-helper.ts` for the Node side and the protocol.
 * @module
 */

/**
 * Reads requests on stdin, answers on stdout, one line each:
 *
 * - `f NAME...` -> makes FIFOs `DIR/NAME` (mode 0600); answers `f ok` or `f err MESSAGE`.
 * - `r ID COUNT LENGTH` followed by LENGTH bytes: COUNT fields joined by NUL bytes (no field can
 *   hold one: `exec` would cut it, and the server refuses such requests first): the working
 *   directory, the stdin FIFO (empty: /dev/null), the stdout and stderr FIFOs, the command, the
 *   number of arguments, the arguments, then NAME and VALUE pairs of the environment. The FIFOs
 *   are opened here without blocking (the server already holds its ends) and unlinked; the
 *   child starts a new session (its process group is what a time limit kills), takes the FIFOs
 *   as fds 0-2, changes directory and execs the command with exactly that environment.
 *   Answers `s ID PID` once forked, then `x ID CODE SIGNAL` when the child has exited. A child
 *   that cannot exec (no such program, not executable) first writes
 *   `e ID MESSAGE` itself (before or after the `s` line) and exits 127. `n ID MESSAGE` answers a
 *   request that could not be started at all (no such directory, no fork); nothing follows it.
 *
 * End of stdin ends the helper (the server is gone, or exiting): it kills the process groups of
 * the scripts still running (also those whose start the server has not read yet) and removes its
 * directory.
 */
export const HELPER_SOURCE = String.raw`
use strict;
use POSIX ();
use Fcntl qw(O_RDONLY O_WRONLY O_NONBLOCK F_GETFL F_SETFL);
$| = 1;
my $dir = shift @ARGV;
mkdir($dir, 0700) or die "cannot create $dir: $!\n";
# A copy of the control channel for children that cannot exec (Perl sets close-on-exec on it:
# no script sees it).
open(my $ctl, '>&', \*STDOUT) or die "cannot copy stdout: $!\n";
print "ready\n";
my %ids;
# Exits reaped before their start was reported (the child was that quick): reported right after.
my %early;
sub reap {
  local ($!, $?);
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $status = ($? >> 8) . " " . ($? & 127);
    my $id = delete $ids{$pid};
    if (defined $id) { print "x $id $status\n"; }
    else { $early{$pid} = $status; }
  }
}
$SIG{CHLD} = \&reap;
# The server is gone (the end of its input, or EPIPE on a line for it: it died without closing
# our input first): its scripts go too, and so does the FIFO directory. A handler, not IGNORE:
# handled signals are back at their defaults in the scripts (ignored ones would outlive exec).
sub gone {
  # No more exit reports (nobody reads them).
  $SIG{CHLD} = 'DEFAULT';
  $SIG{PIPE} = 'IGNORE';
  kill('KILL', map { -$_ } keys %ids) if %ids;
  unlink(glob("$dir/*"));
  rmdir($dir);
  POSIX::_exit(0);
}
$SIG{PIPE} = \&gone;
my $buf = '';
# Perl runs signal handlers between its own steps: a SIGCHLD that lands just before a blocking
# read would wait for the next request. So while scripts run, the wait is a select() that wakes
# every 5 ms to reap.
sub fill {
  for (;;) {
    if (%ids) {
      my $rin = '';
      vec($rin, 0, 1) = 1;
      if (select($rin, undef, undef, 0.005) <= 0) { reap(); next; }
    }
    my $n = sysread(STDIN, $buf, 65536, length $buf);
    return if $n;
    next if !defined($n) && $!{EINTR};
    gone();
  }
}
sub line {
  my $i;
  fill() while ($i = index($buf, "\n")) < 0;
  my $l = substr($buf, 0, $i + 1, '');
  chop $l;
  return $l;
}
sub take {
  my $n = shift;
  fill() while length($buf) < $n;
  return substr($buf, 0, $n, '');
}
for (;;) {
  my @f = split / /, line();
  if ($f[0] eq 'f') {
    shift @f;
    my $bad = '';
    for my $name (@f) { POSIX::mkfifo("$dir/$name", 0600) or $bad = "$name: $!"; }
    print $bad eq '' ? "f ok\n" : "f err $bad\n";
    next;
  }
  next unless $f[0] eq 'r';
  my ($id, $count, $length) = ($f[1], $f[2], $f[3]);
  my @v = split /\0/, take($length), -1;
  if (@v != $count) { print "n $id malformed request: " . scalar(@v) . " fields, $count announced\n"; next; }
  my ($cwd, $in, $out, $err, $cmd, $nargs) = splice(@v, 0, 6);
  my @args = splice(@v, 0, $nargs);
  my %env = @v;
  # Never blocks: opened non-blocking (a write end fails at once if the server's read end is
  # gone), then made blocking again for the script.
  my ($fi, $fo, $fe);
  my $ok = sysopen($fi, $in eq '' ? '/dev/null' : "$dir/$in", O_RDONLY | O_NONBLOCK)
    && sysopen($fo, "$dir/$out", O_WRONLY | O_NONBLOCK) && sysopen($fe, "$dir/$err", O_WRONLY | O_NONBLOCK);
  my $why = "$!";
  if ($ok) { for my $fh ($fi, $fo, $fe) { fcntl($fh, F_SETFL, fcntl($fh, F_GETFL, 0) & ~O_NONBLOCK); } }
  unlink("$dir/$in") if $in ne '';
  unlink("$dir/$out", "$dir/$err");
  if (!$ok) { print "n $id cannot open its pipes: $why\n"; close($fi) if $fi; close($fo) if $fo; close($fe) if $fe; next; }
  # The helper does not wait for the exec (that would make starts one at a time): a child that
  # cannot change directory or exec says so itself, on a copy of the helper's stdout, before
  # exiting 127. Lines of one write each do not interleave.
  # The environment and the directory are set here, before the fork: a forked Perl pays for
  # every page it writes (copy on write), so the child does as little as possible. The helper
  # uses absolute paths only, and nothing of its own environment.
  if (!chdir($cwd)) { print "n $id cannot change to the script's directory: $!\n"; close($fi); close($fo); close($fe); next; }
  %ENV = %env;
  my ($nfi, $nfo, $nfe) = (fileno($fi), fileno($fo), fileno($fe));
  my $pid = fork();
  if (!defined $pid) {
    $why = "$!";
    print "n $id fork failed: $why\n";
    close($fi); close($fo); close($fe);
    next;
  }
  if ($pid == 0) {
    # As little as possible happens here: every page a forked Perl writes is copied.
    POSIX::dup2($nfi, 0);
    POSIX::dup2($nfo, 1);
    POSIX::dup2($nfe, 2);
    POSIX::setsid();
    { exec { $cmd } $cmd, @args; }
    my $failure = "cannot execute $cmd: $!";
    $failure =~ s/[\r\n]/ /g;
    syswrite($ctl, "e $id $failure\n");
    POSIX::_exit(127);
  }
  # "s" before "x": the pid is mapped only after its line; an exit reaped before that waits in %early.
  print "s $id $pid\n";
  $ids{$pid} = $id;
  if (defined(my $status = delete $early{$pid})) {
    delete $ids{$pid};
    print "x $id $status\n";
  }
  close($fi); close($fo); close($fe);
}
`;
