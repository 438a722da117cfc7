# Voxtools::Jobs: the parts that utils/run.pl, utils/queue.pl and utils/slurm.pl share:
# the command-line grammar, the scheduler configuration file, building the shell command
# from the arguments, the job log format, and waiting for cluster jobs.
#
# Command-line grammar (the same for the three wrappers):
#   <wrapper> [options] [VAR=START:END | VAR=N] <log-file> <command> [<args>...]
# Options are "--name value" or "--name=value"; "--num-threads" is stored as num_threads.
# A single-dash option ("-l mem_free=2G", "-q all.q") takes one value and is passed verbatim
# to the scheduler (run.pl ignores it). VAR (usually JOB) is replaced, where it stands as a
# whole word (Perl's \b: letters, digits and "_" are word characters), in the log-file name
# and in the command, by each job's index.
#
# Building the command: one argument is a complete shell command line and is used as it is.
# With several arguments, each argument that has no whitespace or quote characters is passed
# to the shell unquoted (so "|", ">", "&&" and "$VAR" work, as in Kaldi), any other is
# single-quoted so that it reaches the program as one argument.
package Voxtools::Jobs;

use strict;
use warnings;
use Cwd qw(getcwd);
use File::Basename qw(dirname basename);
use File::Path qw(make_path);
use POSIX qw(strftime);
use Time::HiRes qw(sleep time);

our @EXPORT_OK = qw(parse_command_line shell_quote build_command job_instances
                    read_config scheduler_options write_job_script wait_for_cluster_jobs
                    report_and_exit die_usage log_header log_footer now_string
                    run_on_cluster);
use Exporter 'import';

# Options that take no value.
my %flag_options = (help => 1, dry_run => 1);

sub die_usage {
  my ($prog, $usage, $msg) = @_;
  print STDERR "$prog: $msg\n" if defined $msg;
  print STDERR $usage;
  exit 1;
}

# Parses @$argv. Returns a hash: opts (generic options by name), passthrough (list of
# single-dash scheduler options with their values), jobvar, jobstart, jobend (jobvar undef
# when no range), logfile, cmd (the shell command line, before substitution).
sub parse_command_line {
  my ($prog, $usage, $argv) = @_;
  my @args = @$argv;
  my %opts;
  my @passthrough;
  while (@args && $args[0] =~ m/^-/) {
    my $a = shift @args;
    if ($a eq '--') { last; }
    if ($a =~ m/^--([A-Za-z][\w-]*)(?:=(.*))?$/s) {
      my ($name, $value) = ($1, $2);
      $name =~ s/-/_/g;
      if ($flag_options{$name}) {
        if (!defined $value && @args && $args[0] =~ m/^(true|false)$/) { $value = shift @args; }
        $value = 'true' unless defined $value;
        die_usage($prog, $usage, "--$name takes true or false, not '$value'")
          unless $value =~ m/^(true|false)$/;
      } elsif (!defined $value) {
        die_usage($prog, $usage, "option --$name needs a value") unless @args;
        $value = shift @args;
      }
      $opts{$name} = $value;
    } elsif ($a =~ m/^-[A-Za-z]/) {
      die_usage($prog, $usage, "option $a needs a value") unless @args;
      push @passthrough, $a, shift @args;
    } else {
      die_usage($prog, $usage, "bad option '$a'");
    }
  }
  if (defined $opts{help} && $opts{help} eq 'true') { print $usage; exit 0; }

  my %r = (opts => \%opts, passthrough => \@passthrough);
  if (@args && $args[0] =~ m/^([A-Za-z_]\w*)=(\d+)(?::(\d+))?$/) {
    my ($var, $s, $e) = ($1, $2, defined $3 ? $3 : $2);
    shift @args;
    die_usage($prog, $usage, "bad job range $var=$s:$e (start is after end)") if $s > $e;
    @r{qw(jobvar jobstart jobend)} = ($var, $s, $e);
  } elsif (@args && $args[0] =~ m/^[A-Za-z_]\w*=[\d:]+$/) {
    die_usage($prog, $usage, "bad job range '$args[0]' (expected e.g. JOB=1:10)");
  }
  die_usage($prog, $usage, "expected a log file and a command") if @args < 2;
  $r{logfile} = shift @args;
  $r{cmd} = build_command(@args);
  if (defined $r{jobvar} && $r{jobend} > $r{jobstart}
      && $r{logfile} !~ m/\b$r{jobvar}\b/) {
    die_usage($prog, $usage, "log file $r{logfile} does not contain $r{jobvar}: "
              . "all jobs would write to the same log");
  }
  return \%r;
}

sub shell_quote {
  my ($s) = @_;
  $s =~ s/'/'\\''/g;
  return "'$s'";
}

sub build_command {
  my @args = @_;
  return $args[0] if @args == 1;
  my @words;
  for my $a (@args) {
    if ($a ne '' && $a !~ m/[\s'"\\]/) { push @words, $a; }
    else { push @words, shell_quote($a); }
  }
  return join(' ', @words);
}

# The list of jobs: each a hash with index (1-based position), id (the value of JOB),
# logfile and cmd with JOB substituted.
sub job_instances {
  my ($r) = @_;
  my @jobs;
  if (!defined $r->{jobvar}) {
    return ({ index => 1, id => undef, logfile => $r->{logfile}, cmd => $r->{cmd} });
  }
  my $var = $r->{jobvar};
  for my $id ($r->{jobstart} .. $r->{jobend}) {
    my ($log, $cmd) = ($r->{logfile}, $r->{cmd});
    $log =~ s/\b$var\b/$id/g;
    $cmd =~ s/\b$var\b/$id/g;
    push @jobs, { index => $id - $r->{jobstart} + 1, id => $id, logfile => $log, cmd => $cmd };
  }
  return @jobs;
}

sub now_string { return strftime("%a %b %e %H:%M:%S %Z %Y", localtime); }

sub log_header {
  my ($cmd) = @_;
  my $c = $cmd;
  $c =~ s/\n/\n# /g;
  return "# $c\n# Started at " . now_string() . "\n#\n";
}

sub log_footer {
  my ($ret, $elapsed, $threads) = @_;
  return "# Accounting: time=$elapsed threads=$threads\n"
       . "# Ended (code $ret) at " . now_string() . ", elapsed time $elapsed seconds\n";
}

# ---- scheduler configuration ----------------------------------------------------------
#
# Format (the same as Kaldi's conf/queue.conf):
#   command <submit command and its fixed options>
#   option <name>=* <scheduler options; $0 is replaced by the value>
#   option <name>=<value> <scheduler options for exactly this value; may be empty>
#   default <name>=<value>       (used when the option is not given)
# "#" starts a comment.

sub parse_config_text {
  my ($text, $source, $prog) = @_;
  my %c = (command => undef, exact => {}, star => {}, default => {});
  my $n = 0;
  for my $line (split /\n/, $text) {
    $n++;
    $line =~ s/#.*$//;
    $line =~ s/^\s+|\s+$//g;
    next if $line eq '';
    if ($line =~ m/^command\s+(.+)$/) {
      $c{command} = $1;
    } elsif ($line =~ m/^option\s+([\w-]+)=(\S+)\s*(.*)$/) {
      my ($name, $val, $rest) = ($1, $2, $3);
      $name =~ s/-/_/g;
      if ($val eq '*') { $c{star}{$name} = $rest; } else { $c{exact}{$name}{$val} = $rest; }
    } elsif ($line =~ m/^default\s+([\w-]+)=(\S+)$/) {
      my ($name, $val) = ($1, $2);
      $name =~ s/-/_/g;
      $c{default}{$name} = $val;
    } else {
      print STDERR "$prog: $source:$n: cannot parse line '$line'\n";
      exit 1;
    }
  }
  if (!defined $c{command}) {
    print STDERR "$prog: $source: no 'command' line\n";
    exit 1;
  }
  $c{source} = $source;
  return \%c;
}

# Finds and reads the configuration: --config, else ./conf/<name>, else the repository's
# conf/<name> next to utils/, else the built-in default text.
sub read_config {
  my ($prog, $opts, $conf_name, $default_text, $utils_dir) = @_;
  my $file;
  if (defined $opts->{config}) {
    $file = $opts->{config};
    if (! -r $file) { print STDERR "$prog: cannot read config file $file\n"; exit 1; }
  } elsif (-r "conf/$conf_name") {
    $file = "conf/$conf_name";
  } elsif (defined $utils_dir && -r "$utils_dir/../conf/$conf_name") {
    $file = "$utils_dir/../conf/$conf_name";
  }
  if (!defined $file) { return parse_config_text($default_text, "(built-in $conf_name)", $prog); }
  open(my $fh, '<', $file) or do { print STDERR "$prog: cannot open $file: $!\n"; exit 1; };
  local $/;
  my $text = <$fh>;
  close $fh;
  return parse_config_text($text, $file, $prog);
}

# Turns the generic options into scheduler options with the config's rules. Options in
# @$native are handled by the caller when the config has no rule for them.
sub scheduler_options {
  my ($prog, $conf, $opts, $native) = @_;
  my %values = %{$conf->{default}};
  for my $k (keys %$opts) {
    next if $k eq 'config' || $k eq 'dry_run' || $k eq 'help';
    $values{$k} = $opts->{$k};
  }
  my %is_native = map { $_ => 1 } @$native;
  my (@out, %unhandled);
  for my $name (sort keys %values) {
    my $v = $values{$name};
    my $text;
    if (exists $conf->{exact}{$name} && exists $conf->{exact}{$name}{$v}) {
      $text = $conf->{exact}{$name}{$v};
    } elsif (exists $conf->{star}{$name}) {
      $text = $conf->{star}{$name};
      $text =~ s/\$0/$v/g;
    } elsif ($is_native{$name}) {
      $unhandled{$name} = $v;
      next;
    } else {
      (my $dashed = $name) =~ s/_/-/g;
      print STDERR "$prog: option --$dashed=$v has no rule in $conf->{source} "
                 . "(add 'option $name=* ...' or 'option $name=$v ...')\n";
      exit 1;
    }
    push @out, split(' ', $text);
  }
  return (\@out, \%unhandled);
}

# ---- cluster jobs -------------------------------------------------------------------

# Writes the job script that every task of the array runs. $task_expr is the shell
# expression giving the array index (e.g. '${SLURM_ARRAY_TASK_ID:-1}').
sub write_job_script {
  my (%a) = @_;
  my ($script, $jobs, $task_expr, $donebase, $threads, $jobid_expr) =
    @a{qw(script jobs task_expr donebase threads jobid_expr)};
  my $cwd = getcwd();
  my $s = "#!/bin/bash\n";
  $s .= "# Written by $a{prog} at " . now_string() . "; submitted as one array of "
      . scalar(@$jobs) . " task(s).\n";
  $s .= "cd " . shell_quote($cwd) . " || exit 1\n";
  $s .= "[ -f ./path.sh ] && . ./path.sh\n";
  $s .= "vox_task=$task_expr\n";
  $s .= "case \"\$vox_task\" in\n";
  for my $j (@$jobs) {
    $s .= "  $j->{index}) vox_log=" . shell_quote($j->{logfile})
        . "\n     vox_cmd=" . shell_quote($j->{cmd}) . " ;;\n";
  }
  $s .= "  *) echo \"$a{prog} job script: no task \$vox_task\" >&2; exit 1 ;;\n";
  $s .= "esac\n";
  $s .= <<"EOF";
mkdir -p "\$(dirname "\$vox_log")"
{
  printf '# %s\\n' "\$vox_cmd"
  echo "# Started at \$(date)"
  echo "# Running on \$(hostname) as job $jobid_expr"
  echo "#"
} > "\$vox_log"
vox_t0=\$(date +%s)
bash -c "set -o pipefail; \$vox_cmd" >> "\$vox_log" 2>&1 < /dev/null
vox_ret=\$?
vox_t1=\$(date +%s)
echo "# Accounting: time=\$((vox_t1 - vox_t0)) threads=$threads" >> "\$vox_log"
echo "# Ended (code \$vox_ret) at \$(date), elapsed time \$((vox_t1 - vox_t0)) seconds" >> "\$vox_log"
echo "\$vox_ret" > "$donebase.\$vox_task.tmp" && mv "$donebase.\$vox_task.tmp" "$donebase.\$vox_task"
[ "\$vox_ret" -eq 0 ] && exit 0
exit 1
EOF
  open(my $fh, '>', $script) or do { print STDERR "$a{prog}: cannot write $script: $!\n"; exit 1; };
  print $fh $s;
  close $fh;
  chmod 0755, $script;
  return $s;
}

# Waits until every task has written its done file, or the scheduler no longer knows the
# job. $alive->() returns 1 (job still known), 0 (gone) or undef (cannot tell).
# Returns a hash index -> exit status (undef for a task that ended without one).
sub wait_for_cluster_jobs {
  my (%a) = @_;
  my ($prog, $jobs, $donebase, $alive, $max_poll) = @a{qw(prog jobs donebase alive max_poll)};
  $max_poll = 10 unless defined $max_poll;
  my %status;
  my $delay = 0.2;
  my $last_check = time();
  my $gone_since;
  while (1) {
    for my $j (@$jobs) {
      my $i = $j->{index};
      next if exists $status{$i};
      my $f = "$donebase.$i";
      if (-f $f && open(my $fh, '<', $f)) {
        my $v = <$fh>;
        close $fh;
        if (defined $v && $v =~ m/^(\d+)/) { $status{$i} = $1; }
      }
    }
    return \%status if keys(%status) == @$jobs;
    if (time() - $last_check >= 2 * $delay || time() - $last_check > 5) {
      $last_check = time();
      my $state = $alive->();
      if (defined $state && $state == 0) {
        # Give a shared file system a moment to show files written just before the end.
        $gone_since = time() unless defined $gone_since;
        if (time() - $gone_since > 5) {
          for my $j (@$jobs) { $status{$j->{index}} = undef unless exists $status{$j->{index}}; }
          return \%status;
        }
      } else {
        undef $gone_since;
      }
    }
    sleep($delay);
    $delay *= 1.5;
    $delay = $max_poll if $delay > $max_poll;
  }
}

# Prints the failures and exits 0 (all succeeded) or 1.
sub report_and_exit {
  my ($prog, $jobs, $status, $extra) = @_;
  my @failed;
  for my $j (@$jobs) {
    my $s = $status->{$j->{index}};
    push @failed, [$j, $s] if !defined $s || $s != 0;
  }
  exit 0 unless @failed;
  for my $f (@failed) {
    my ($j, $s) = @$f;
    my $what = defined $j->{id} ? "job $j->{id}" : "job";
    my $how = defined $s ? "exit status $s" : "no exit status (killed, or never started"
            . (defined $extra ? "; scheduler output: " . $extra->($j) : "") . ")";
    print STDERR "$prog: $what failed with $how, log is in $j->{logfile}\n";
  }
  print STDERR "$prog: " . scalar(@failed) . " / " . scalar(@$jobs) . " failed\n"
    if @$jobs > 1;
  exit 1;
}

# The whole flow of queue.pl and slurm.pl. The scheduler-specific parts come in %s:
#   prog, usage, argv, conf_name, default_conf, utils_dir, native (options handled by
#   the wrapper when the config has no rule), task_expr, jobid_expr,
#   submit(\%ctx) -> list of words of the submit command, where ctx has
#     base_cmd (words), sched_opts (words), unhandled (hash), njobs, array (bool),
#     name, script, outpattern (scheduler output file; %a stands for the task index);
#   outfile(index) -> the scheduler's output file of one task, for messages;
#   parse_id(output) -> job id; alive(id) -> 1, 0 or undef.
sub run_on_cluster {
  my (%s) = @_;
  my $prog = $s{prog};
  my $r = parse_command_line($prog, $s{usage}, $s{argv});
  my $opts = $r->{opts};
  my $conf = read_config($prog, $opts, $s{conf_name}, $s{default_conf}, $s{utils_dir});
  my ($sched_opts, $unhandled) = scheduler_options($prog, $conf, $opts, $s{native});
  push @$sched_opts, @{$r->{passthrough}};
  my $threads = defined $opts->{num_threads} ? $opts->{num_threads} : 1;
  my $dry = defined $opts->{dry_run} && $opts->{dry_run} eq 'true';

  my @jobs = job_instances($r);
  my $logdir = dirname($r->{logfile});
  my $base = basename($r->{logfile});
  if (defined $r->{jobvar}) { $base =~ s/\.?\b$r->{jobvar}\b//g; }
  $base =~ s/\.log$//;
  $base = 'job' if $base eq '';
  my $qdir = "$logdir/q";
  for my $d ($qdir, map { dirname($_->{logfile}) } @jobs) {
    eval { make_path($d) unless -d $d; };
    if (!-d $d) { print STDERR "$prog: cannot create directory $d\n"; exit 1; }
  }
  my $abs_qdir = $qdir =~ m{^/} ? $qdir : getcwd() . "/$qdir";
  my $donebase = "$abs_qdir/done.$base";
  my $script = "$abs_qdir/$base.sh";
  (my $name = $base) =~ s/[^\w.-]/_/g;
  $name = "j$name" if $name =~ m/^\d/;
  my %ctx = (base_cmd => [split(' ', $conf->{command})], sched_opts => $sched_opts,
             unhandled => $unhandled, njobs => scalar(@jobs), array => defined $r->{jobvar},
             name => $name, script => $script, outpattern => "$abs_qdir/$base.%a.out");

  # Stale status files from an earlier run must not count as this run's results.
  unlink map { "$donebase.$_->{index}" } @jobs;
  my $text = write_job_script(prog => $prog, script => $script, jobs => \@jobs,
                              task_expr => $s{task_expr}, jobid_expr => $s{jobid_expr},
                              donebase => $donebase, threads => $threads);
  my @submit = $s{submit}->(\%ctx);
  my $line = join(' ', map { m/^[\w\/.,:=%+\@-]+$/ ? $_ : shell_quote($_) } @submit);
  if ($dry) {
    print "# $prog --dry-run: would submit " . scalar(@jobs) . " job(s) with:\n$line\n";
    print "# job script $script:\n$text";
    exit 0;
  }
  my $out = `$line 2>&1`;
  if ($? != 0) {
    print STDERR "$prog: submission failed (exit status " . ($? >> 8) . "): $line\n$out";
    exit 1;
  }
  my $id = $s{parse_id}->($out);
  if (!defined $id) {
    print STDERR "$prog: cannot find the job id in the output of: $line\n$out";
    exit 1;
  }
  if (open(my $fh, ">", "$abs_qdir/$base.jobid")) { print $fh "$id\n"; close $fh; }
  my $status = wait_for_cluster_jobs(prog => $prog, jobs => \@jobs, donebase => $donebase,
                                     alive => sub { $s{alive}->($id) },
                                     max_poll => $s{max_poll});
  report_and_exit($prog, \@jobs, $status, sub { $s{outfile}->($ctx{outpattern}, $_[0]->{index}) });
}

1;
