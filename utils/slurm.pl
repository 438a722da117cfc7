#!/usr/bin/env perl
# utils/slurm.pl: run a command, or an array of jobs, on a Slurm cluster and wait for it.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/lib";
use Voxtools::Jobs qw(run_on_cluster);

my $usage = <<'EOF';
slurm.pl: submit a command, or an array of jobs, to Slurm with sbatch and wait for them.
Usage: slurm.pl [options] [JOB=1:N] <log-file> <command> [<args>...]
 e.g.: slurm.pl --mem 4G --num-threads 2 JOB=1:40 exp/emb/log/extract.JOB.log \
         nnet-extract --num-threads=2 model.h5 scp:data/train/split40/JOB/wav.scp ark:emb.JOB.ark

Same interface as run.pl and queue.pl (see run.pl --help for JOB, quoting and the log
format). The N jobs go to Slurm as one job array; each task runs in the submitting
directory (after sourcing ./path.sh if present) and writes <log-file> with JOB replaced.
slurm.pl waits for every task, exits 1 if any failed (or vanished from the queue without an
exit status) and names the failed logs. Scheduler files go to <log-dir>/q/: the job script
(<name>.sh), Slurm's own output per task (<name>.<task>.out) and status files.

Options:
  --num-threads <n>      # CPUs per task (config rule num_threads)
  --mem <size>           # memory per task, e.g. 4G (config rule mem)
  --gpu <n>              # GPUs per task (config rule gpu)
  --max-jobs-run <n>     # tasks of the array running at once (--array=1-N%n)
  --<name> <value>       # any other option that has a rule in the config (e.g. --time)
  -<x> <value>           # passed to sbatch as it is (e.g. -p gpu)
  --config <file>        # rules mapping these options to sbatch options
                         # (default: conf/slurm.conf, then the repository's conf/slurm.conf,
                         # then a built-in one; format in conf/slurm.conf)
  --dry-run              # print the sbatch command and the job script; submit nothing
  --help                 # print this text
Environment: SLURM_CONF and the other variables sbatch and squeue read.
See also: run.pl, queue.pl, utils/README.md
EOF

my $default_conf = <<'EOF';
command sbatch --export=ALL --ntasks-per-node=1
option time=* --time=$0
option mem=* --mem=$0
option mem=0
option num_threads=* --cpus-per-task=$0
option num_threads=1
option gpu=* --gres=gpu:$0
option gpu=0
EOF

sub alive {
  my ($id) = @_;
  my $out = `squeue -h -j $id -o %i 2>&1`;
  my $rc = $? >> 8;
  return 0 if $out =~ m/Invalid job id/i;
  return undef if $rc != 0;
  return ($out =~ m/\S/) ? 1 : 0;
}

run_on_cluster(
  prog => 'slurm.pl', usage => $usage, argv => \@ARGV,
  conf_name => 'slurm.conf', default_conf => $default_conf, utils_dir => $FindBin::RealBin,
  native => ['max_jobs_run'],
  task_expr => '${SLURM_ARRAY_TASK_ID:-1}',
  jobid_expr => '${SLURM_ARRAY_JOB_ID:-$SLURM_JOB_ID}_${SLURM_ARRAY_TASK_ID:-1}',
  submit => sub {
    my ($c) = @_;
    my @cmd = (@{$c->{base_cmd}}, @{$c->{sched_opts}}, '--parsable', "--job-name=$c->{name}");
    my $out = $c->{outpattern};
    if ($c->{array}) {
      my $arr = "--array=1-$c->{njobs}";
      my $m = $c->{unhandled}{max_jobs_run};
      if (defined $m) {
        die "slurm.pl: --max-jobs-run must be a positive integer, not '$m'\n" unless $m =~ m/^[1-9]\d*$/;
        $arr .= "%$m";
      }
      push @cmd, $arr;
    } else {
      $out =~ s/%a/1/;
    }
    push @cmd, "--output=$out", $c->{script};
    return @cmd;
  },
  outfile => sub { my ($p, $i) = @_; $p =~ s/%a/$i/; return $p; },
  parse_id => sub { my ($o) = @_; return $o =~ m/^\s*(\d+)/m ? $1 : undef; },
  alive => \&alive,
  max_poll => 5,
);
