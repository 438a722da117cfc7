#!/usr/bin/env perl
# utils/split_scp.pl: split a list (scp or any keyed file) into N contiguous parts.
use strict;
use warnings;

my $usage = <<'END';
split_scp.pl: split a keyed file (wav.scp, utt2spk, ...) into N contiguous parts of
near-equal size, in input order.
Usage: split_scp.pl [--utt2spk=<file>] <in> <out1> <out2> ... <outN>
       split_scp.pl [--utt2spk=<file>] -j <N> <k> <in>      (part k of N, 1-based, to stdout)
 e.g.: utils/split_scp.pl data/train/wav.scp wav.1.scp wav.2.scp wav.3.scp
       utils/split_scp.pl --utt2spk=data/train/utt2spk data/train/wav.scp a.scp b.scp
By utterance, the parts differ in size by at most one line. With --utt2spk, all the lines
of a speaker go to the same part (the speaker's lines must be contiguous in <in>, as they
are in a sorted data dir with speaker-prefixed utterance ids), and the parts are balanced
by number of lines. Fails if there are fewer lines (or speakers) than parts.
See also: split_data.sh, filter_scp.pl
END

my ($utt2spk, $j_n, $j_k);
while (@ARGV && $ARGV[0] =~ m/^-/) {
  my $o = shift @ARGV;
  if ($o =~ m/^--utt2spk=(.+)$/) { $utt2spk = $1; }
  elsif ($o eq '--utt2spk' && @ARGV) { $utt2spk = shift @ARGV; }
  elsif ($o eq '-j' && @ARGV >= 2) { ($j_n, $j_k) = splice(@ARGV, 0, 2); }
  elsif ($o =~ m/^(--help|-h)$/) { print $usage; exit 0; }
  else { print STDERR "split_scp.pl: bad option $o\n$usage"; exit 1; }
}
sub fail { print STDERR "split_scp.pl: $_[0]\n"; exit 1; }

my ($in, @outs);
if (defined $j_n) {
  fail("-j needs <N> <k> with 1 <= k <= N") unless $j_n =~ m/^[1-9]\d*$/ && $j_k =~ m/^\d+$/
                                                && $j_k >= 1 && $j_k <= $j_n;
  if (@ARGV != 1) { print STDERR $usage; exit 1; }
  $in = $ARGV[0];
} else {
  if (@ARGV < 2) { print STDERR $usage; exit 1; }
  ($in, @outs) = @ARGV;
  $j_n = @outs;
}

my @lines;
{
  my $fh;
  if ($in eq '-') { $fh = \*STDIN; }
  else { open($fh, '<', $in) or fail("cannot open $in: $!"); }
  while (my $l = <$fh>) { push @lines, $l if $l =~ m/\S/; }
}
my $n = $j_n;

# Groups of lines that must stay together: single lines, or a speaker's lines.
my @groups;
if (defined $utt2spk) {
  open(my $fh, '<', $utt2spk) or fail("cannot open $utt2spk: $!");
  my %spk;
  while (<$fh>) {
    my ($u, $s) = split;
    next unless defined $s;
    $spk{$u} = $s;
  }
  close $fh;
  my (%done, $cur);
  for my $l (@lines) {
    my ($u) = split(' ', $l);
    my $s = $spk{$u};
    fail("utterance $u of $in is not in $utt2spk") unless defined $s;
    if (!defined $cur || $s ne $cur) {
      fail("the lines of speaker $s are not contiguous in $in (sort by speaker: utterance "
           . "ids should start with the speaker id)") if $done{$s};
      $done{$s} = 1;
      push @groups, [];
      $cur = $s;
    }
    push @{$groups[-1]}, $l;
  }
  fail("cannot split " . scalar(@groups) . " speakers of $in into $n parts") if @groups < $n;
} else {
  @groups = map { [$_] } @lines;
  fail("cannot split " . scalar(@groups) . " lines of $in into $n parts") if @groups < $n;
}

# Part boundaries: after group b[k] for k = 1..n-1, chosen so that the cumulative number of
# lines is as close as possible to k/n of the total, with every part non-empty.
my @cum = (0);
push @cum, $cum[-1] + scalar(@$_) for @groups;
my $total = $cum[-1];
my $g = @groups;
my @bound = (0);
for my $k (1 .. $n - 1) {
  my $target = $total * $k / $n;
  my $lo = $bound[-1] + 1;
  my $hi = $g - ($n - $k);
  my $best = $lo;
  for my $b ($lo .. $hi) {
    $best = $b if abs($cum[$b] - $target) < abs($cum[$best] - $target);
    last if $cum[$b] > $target;
  }
  push @bound, $best;
}
push @bound, $g;

for my $k (1 .. $n) {
  next if defined $j_k && $k != $j_k;
  my $fh;
  if (defined $j_k) { $fh = \*STDOUT; }
  else { open($fh, '>', $outs[$k - 1]) or fail("cannot write $outs[$k - 1]: $!"); }
  for my $i ($bound[$k - 1] .. $bound[$k] - 1) { print $fh @{$groups[$i]}; }
  close $fh unless defined $j_k;
}
