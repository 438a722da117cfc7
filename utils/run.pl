#!/usr/bin/env perl
# utils/run.pl: run a command, or an array of jobs, on this machine, each with its own log.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/lib";
use POSIX qw(WNOHANG setpgid);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use Voxtools::Jobs qw(parse_command_line job_instances log_header log_footer report_and_exit);

my $prog = 'run.pl';
my $usage = <<'EOF';
run.pl: run a command, or an array of jobs, on this machine; each job writes its own log.
Usage: run.pl [options] [JOB=1:N] <log-file> <command> [<args>...]
 e.g.: run.pl JOB=1:4 exp/make_fbank/log/fbank.JOB.log \
         compute-fbank scp:data/train/split4/JOB/wav.scp ark:exp/fbank.JOB.ark
       run.pl exp/log/count.log "wc -l data/train/utt2spk | tee exp/n_utts"

JOB (any name will do) is replaced, as a whole word, by 1..N in the log-file name and in the
command. A command given as one argument is run as a shell command line; with several
arguments, those without spaces or quotes go to the shell unquoted (write "\|" or '|' for a
pipe between programs) and the others are quoted. Commands run under bash with pipefail.
The log starts with the command and ends with "# Accounting: time=... threads=..." and
"# Ended (code N) at ..., elapsed time ... seconds". run.pl waits for all jobs, exits 1 if any
failed and names the failed logs.

Options (the same as queue.pl and slurm.pl; those meant for a scheduler are accepted and
ignored here, so that recipes can switch between them):
  --max-jobs-run <n>     # jobs running at once (default: number of CPUs)
  --num-threads <n>      # threads per job; recorded in the log's accounting line
  --mem <size>           # ignored by run.pl
  --gpu <n>              # ignored by run.pl
  --config <file>        # ignored by run.pl
  --dry-run              # print each job's log file and command; run nothing
  --help                 # print this text
See also: queue.pl, slurm.pl, utils/README.md
EOF

my $r = parse_command_line($prog, $usage, \@ARGV);
my $opts = $r->{opts};
my $threads = defined $opts->{num_threads} ? $opts->{num_threads} : 1;
my $max_jobs = $opts->{max_jobs_run};
if (!defined $max_jobs || $max_jobs eq '-1') {
  $max_jobs = 0;
  if (open(my $fh, '<', '/proc/cpuinfo')) {
    while (<$fh>) { $max_jobs++ if m/^processor\s*:/; }
    close $fh;
  }
  $max_jobs = 1 if $max_jobs < 1;
}
if ($max_jobs !~ m/^\d+$/ || $max_jobs < 1) {
  print STDERR "$prog: --max-jobs-run must be a positive integer, not '$max_jobs'\n";
  exit 1;
}
for my $o (qw(num_threads gpu)) {
  if (defined $opts->{$o} && $opts->{$o} !~ m/^\d+$/) {
    (my $d = $o) =~ s/_/-/g;
    print STDERR "$prog: --$d must be a non-negative integer, not '$opts->{$o}'\n";
    exit 1;
  }
}

my @jobs = job_instances($r);
if (defined $opts->{dry_run} && $opts->{dry_run} eq 'true') {
  print "# run.pl --dry-run: would run " . scalar(@jobs) . " job(s), at most $max_jobs at once:\n";
  print "$_->{logfile}: $_->{cmd}\n" for @jobs;
  exit 0;
}
for my $j (@jobs) {
  my $dir = dirname($j->{logfile});
  eval { make_path($dir) unless -d $dir; };
  if (!-d $dir) { print STDERR "$prog: cannot create log directory $dir\n"; exit 1; }
}

# Runs one job in a child process: writes the log header, runs the command with its output
# appended to the log, writes the footer, and exits with the command's status.
sub start_job {
  my ($j) = @_;
  my $pid = fork();
  die "$prog: fork failed: $!\n" unless defined $pid;
  return $pid if $pid;
  setpgid(0, 0);
  $SIG{INT} = $SIG{TERM} = 'DEFAULT';
  my $log = $j->{logfile};
  open(my $fh, '>', $log) or do { print STDERR "$prog: cannot write $log: $!\n"; exit 1; };
  print $fh log_header($j->{cmd});
  close $fh;
  my $t0 = time();
  my $cpid = fork();
  die "$prog: fork failed: $!\n" unless defined $cpid;
  if ($cpid == 0) {
    open(STDIN, '<', '/dev/null');
    open(STDOUT, '>>', $log) or exit 127;
    open(STDERR, '>&', \*STDOUT) or exit 127;
    exec('bash', '-c', "set -o pipefail; $j->{cmd}") or exit 127;
  }
  waitpid($cpid, 0);
  my $st = $?;
  my $ret = ($st & 127) ? 128 + ($st & 127) : $st >> 8;
  open($fh, '>>', $log) or exit 1;
  print $fh log_footer($ret, time() - $t0, $threads);
  close $fh;
  POSIX::_exit($ret > 255 ? 255 : $ret);
}

my %running;   # pid -> job
my %status;    # index -> exit status
my $interrupted = 0;
sub kill_all {
  my ($sig) = @_;
  $interrupted = 1;
  kill 'TERM', map { -$_ } keys %running;
  print STDERR "$prog: caught SIG$sig, killed the running jobs\n";
  exit 1;
}
$SIG{INT} = $SIG{TERM} = \&kill_all;

my @queue = @jobs;
while (@queue || %running) {
  while (@queue && keys(%running) < $max_jobs) {
    my $j = shift @queue;
    $running{start_job($j)} = $j;
  }
  my $pid = waitpid(-1, 0);
  last if $pid < 0;
  next unless exists $running{$pid};
  my $j = delete $running{$pid};
  my $st = $?;
  $status{$j->{index}} = ($st & 127) ? 128 + ($st & 127) : $st >> 8;
}
report_and_exit($prog, \@jobs, \%status);
