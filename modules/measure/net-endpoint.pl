# The host's end of guest_io_bench's network test (and host_io_bench's loopback test): one TCP
# transfer of BYTES bytes, timed on the host. Perl with perl-base's modules only (every Debian and
# RHEL host has them; Time::HiRes is used when present, else /proc/uptime's 10 ms clock).
#
#   perl -e SCRIPT DIRECTION BIND PORT BYTES ACCEPT_TIMEOUT TRANSFER_TIMEOUT
#     DIRECTION  in:  the host sends BYTES to its peer, half-closes, and waits for the peer's close
#                     (data into the guest: the article's direction)
#                out: the host reads BYTES from its peer (data out of the guest)
#                loopback-in / loopback-out: the same, with the peer forked here over 127.0.0.1
#                     (the bare host: its own TCP stack, no guest)
#     BIND       the address to listen on (0.0.0.0: every interface)
#     PORT       0: a free port the kernel picks
#
# Output (stdout), one line each:
#   @@virtplay-net listening port=P pid=N      once bound; the caller then starts its peer (and
#                                              may end a run early with kill N)
#   @@virtplay-net done bytes=B seconds=S peer=ADDR clock=hires|uptime
#   @@virtplay-net error KIND: TEXT            KIND: bind, accept, transfer (and exit status 2-4)
# Exactly one connection is accepted; the listening socket is closed at that moment, so nothing is
# left listening after a run, whatever happens next. A run whose peer never connects ends after
# ACCEPT_TIMEOUT (a firewall dropping the guest's packets looks like this), a transfer after
# TRANSFER_TIMEOUT, and a run whose SSH session went away (its parent changed) at once.
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;
use Socket qw(SOMAXCONN);

$| = 1;
my ($direction, $bind, $port, $bytes, $accept_timeout, $transfer_timeout) = @ARGV;
my $ppid = getppid();
my $hires = eval { require Time::HiRes; 1 };

sub now {
  return Time::HiRes::time() if $hires;
  open(my $u, '<', '/proc/uptime') or die "no clock: /proc/uptime: $!\n";
  my $line = <$u>;
  close($u);
  return (split(/\s+/, $line))[0];
}

sub fail {
  my ($kind, $text, $status) = @_;
  print "\@\@virtplay-net error $kind: $text\n";
  exit $status;
}

my $loopback = $direction =~ s/^loopback-//;
fail('usage', "direction must be in, out, loopback-in or loopback-out, not $direction", 2) unless $direction =~ /^(in|out)$/;
$bind = '127.0.0.1' if $loopback;

my $listener = IO::Socket::INET->new(LocalAddr => $bind, LocalPort => $port, Proto => 'tcp', Listen => 1, ReuseAddr => 0)
  or fail('bind', "cannot listen on $bind:$port: $!", 3);
my $bound = $listener->sockport();
print "\@\@virtplay-net listening port=$bound pid=$$\n";

my $child;
if ($loopback) {
  $child = fork();
  fail('transfer', "fork: $!", 4) unless defined $child;
  if ($child == 0) {
    close($listener);
    my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $bound, Proto => 'tcp') or exit 1;
    my $buf = "\0" x 1048576;
    if ($direction eq 'in') {
      while (sysread($c, $buf, 1048576)) { }
    } else {
      my $left = $bytes;
      while ($left > 0) {
        my $n = syswrite($c, $buf, $left < 1048576 ? $left : 1048576);
        exit 1 unless defined $n;
        $left -= $n;
      }
      shutdown($c, 1);
      while (sysread($c, $buf, 65536)) { }
    }
    exit 0;
  }
}

# Wait for the one connection, watching for the end of the SSH session meanwhile.
my $sel = IO::Select->new($listener);
my $deadline = now() + $accept_timeout;
my $peer;
while (!$peer) {
  fail('accept', "no connection within $accept_timeout s on port $bound", 4) if now() >= $deadline;
  exit 5 if getppid() != $ppid;
  next unless $sel->can_read(0.5);
  $peer = $listener->accept();
}
close($listener);
my $from = $peer->peerhost() // '?';

my $chunk = "\0" x 1048576;
my $t0 = now();
my $end = $t0 + $transfer_timeout;
my $done = 0;
my $io = IO::Select->new($peer);
if ($direction eq 'in') {
  while ($done < $bytes) {
    fail('transfer', "timed out after $done of $bytes bytes", 4) if now() >= $end;
    exit 5 if getppid() != $ppid;
    next unless $io->can_write(0.5);
    my $want = $bytes - $done;
    my $n = syswrite($peer, $chunk, $want < 1048576 ? $want : 1048576);
    fail('transfer', "the connection broke after $done of $bytes bytes: $!", 4) unless defined $n;
    $done += $n;
  }
  shutdown($peer, 1);
  # Delivered when the peer, having read everything, closes its end.
  my $sink = '';
  for (;;) {
    fail('transfer', "the peer did not close within $transfer_timeout s after the last byte", 4) if now() >= $end;
    exit 5 if getppid() != $ppid;
    next unless $io->can_read(0.5);
    my $n = sysread($peer, $sink, 65536);
    last if !$n;
  }
} else {
  my $buf = '';
  while ($done < $bytes) {
    fail('transfer', "timed out after $done of $bytes bytes", 4) if now() >= $end;
    exit 5 if getppid() != $ppid;
    next unless $io->can_read(0.5);
    my $n = sysread($peer, $buf, 1048576);
    fail('transfer', "the connection broke after $done of $bytes bytes" . (defined $n ? '' : ": $!"), 4) unless $n;
    $done += $n;
  }
}
my $seconds = now() - $t0;
close($peer);
waitpid($child, 0) if $child;
printf("\@\@virtplay-net done bytes=%d seconds=%.6f peer=%s clock=%s\n", $done, $seconds, $from, $hires ? 'hires' : 'uptime');
exit 0;
