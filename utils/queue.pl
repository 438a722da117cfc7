#!/usr/bin/env perl
# utils/queue.pl: run a command, or an array of jobs, on an SGE (Grid Engine) cluster and wait.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/lib";
use Voxtools::Jobs qw(run_on_cluster);

my $usage = <<'EOF';
queue.pl: submit a command, or an array of jobs, to Grid Engine with qsub and wait for them.
Usage: queue.pl [options] [JOB=1:N] <log-file> <command> [<args>...]
 e.g.: queue.pl --mem 4G --num-threads 2 JOB=1:40 exp/emb/log/extract.JOB.log \
         nnet-extract --num-threads=2 model.h5 scp:data/train/split40/JOB/wav.scp ark:emb.JOB.ark

Same interface as run.pl and slurm.pl (see run.pl --help for JOB, quoting and the log
format). The N jobs go to the grid as one array job (qsub -t 1:N); each task runs in the
submitting directory (after sourcing ./path.sh if present) and writes <log-file> with JOB
replaced. queue.pl waits for every task, exits 1 if any failed (or vanished from the queue
without an exit status) and names the failed logs. Scheduler files go to <log-dir>/q/.

Options:
  --num-threads <n>      # slots per task (config rule num_threads, e.g. -pe smp n)
  --mem <size>           # memory, e.g. 4G (config rule mem, e.g. -l mem_free=4G)
  --gpu <n>              # GPUs per task (config rule gpu)
  --max-jobs-run <n>     # tasks of the array running at once (config rule, or qsub -tc n)
  --<name> <value>       # any other option that has a rule in the config
  -<x> <value>           # passed to qsub as it is (e.g. -q all.q, -l h_rt=2:00:00)
  --config <file>        # rules mapping these options to qsub options
                         # (default: conf/queue.conf, then the repository's conf/queue.conf,
                         # then a built-in one; format in conf/queue.conf)
  --dry-run              # print the qsub command and the job script; submit nothing
  --help                 # print this text
See also: run.pl, slurm.pl, utils/README.md
EOF

my $default_conf = <<'EOF';
command qsub -v PATH -cwd -S /bin/bash -j y
option mem=* -l mem_free=$0,ram_free=$0
option mem=0
option num_threads=* -pe smp $0
option num_threads=1
option max_jobs_run=* -tc $0
option gpu=* -l gpu=$0 -q g.q
option gpu=0
EOF

sub alive {
  my ($id) = @_;
  my $out = `qstat -j $id 2>&1`;
  return 1 if $? == 0;
  return 0 if $out =~ m/do not exist|not exist/i;
  return undef;
}

run_on_cluster(
  prog => 'queue.pl', usage => $usage, argv => \@ARGV,
  conf_name => 'queue.conf', default_conf => $default_conf, utils_dir => $FindBin::RealBin,
  native => ['max_jobs_run'],
  task_expr => '$(case "${SGE_TASK_ID:-undefined}" in undefined) echo 1 ;; *) echo "$SGE_TASK_ID" ;; esac)',
  jobid_expr => '${JOB_ID:-?}.${SGE_TASK_ID:-1}',
  submit => sub {
    my ($c) = @_;
    my @cmd = (@{$c->{base_cmd}}, @{$c->{sched_opts}}, '-N', $c->{name});
    my $out = $c->{outpattern};
    if ($c->{array}) {
      push @cmd, '-t', "1:$c->{njobs}";
      my $m = $c->{unhandled}{max_jobs_run};
      if (defined $m) {
        die "queue.pl: --max-jobs-run must be a positive integer, not '$m'\n" unless $m =~ m/^[1-9]\d*$/;
        push @cmd, '-tc', $m;
      }
      $out =~ s/%a/\$TASK_ID/;
    } else {
      $out =~ s/%a/1/;
    }
    push @cmd, '-o', $out, $c->{script};
    return @cmd;
  },
  outfile => sub { my ($p, $i) = @_; $p =~ s/%a/$i/; return $p; },
  parse_id => sub { my ($o) = @_; return $o =~ m/Your job(?:-array)?\s+(\d+)/ ? $1 : ($o =~ m/^(\d+)/m ? $1 : undef); },
  alive => \&alive,
  max_poll => 10,
);
