#!/usr/bin/env bash
# utils/fix_data_dir.sh: make a Kaldi data directory consistent, reporting what it changed.
# (A bash entry point; the work is the Perl program below, run with perl -x.)
exec perl -x -I"$(dirname "$(readlink -f "$0")")/lib" "$0" "$@"
#!perl
use strict;
use warnings;
use File::Copy qw(copy);
use File::Path qw(make_path);
use Voxtools::DataDir qw(%UTT_FILES %SPK_FILES %RECO_FILES read_table write_table
                         utt2spk_to_spk2utt);

my $prog = 'fix_data_dir.sh';
my $usage = <<'END';
fix_data_dir.sh: make a Kaldi data directory consistent; report each change by file and key.
Usage: fix_data_dir.sh [options] <data-dir>
 e.g.: utils/fix_data_dir.sh data/train
What it does, in place (the original files are kept in <data-dir>/.backup/):
  - removes empty lines and exact duplicate lines, and sorts every file (LC_ALL=C, by key);
  - keeps only the utterances present in every per-utterance file (utt2spk, wav.scp or
    segments, text, feats.scp, utt2dur, utt2lang, vad.scp, utt2num_frames, ...) and, with
    --check-wavs true, whose audio file exists; lists of what was dropped and why go to
    <data-dir>/.backup/dropped_utts;
  - drops speakers and recordings left without utterances, and regenerates spk2utt from
    utt2spk.
It refuses (exit 1, nothing changed) when a key appears twice with different contents,
when utt2spk is missing, or when no utterance would be left. Utterance ids that do not sort
with their speakers cannot be fixed here (see copy_data_dir.sh --utt-prefix).
Options:
  --check-wavs <true|false>   # drop utterances whose wav.scp file does not exist (true)
  --help                      # print this text
See also: validate_data_dir.sh, utils/README.md
END

my $check_wavs = 1;
while (@ARGV && $ARGV[0] =~ m/^--/) {
  my $o = shift @ARGV;
  if ($o =~ m/^--check-wavs(?:=(.*))?$/) {
    my $v = defined $1 ? $1 : shift @ARGV;
    if (!defined $v || $v !~ m/^(true|false)$/) { print STDERR "$prog: --check-wavs takes true or false\n"; exit 1; }
    $check_wavs = $v eq 'true';
  }
  elsif ($o eq '--help') { print $usage; exit 0; }
  else { print STDERR "$prog: bad option $o\n$usage"; exit 1; }
}
if (@ARGV != 1) { print STDERR $usage; exit 1; }
my $dir = $ARGV[0];
$dir =~ s{/+$}{};
sub refuse { print STDERR "$prog: $_[0]\n$prog: $dir left unchanged\n"; exit 1; }
sub note { print STDERR "$prog: $_[0]\n"; }
sub some {
  my @k = @_;
  return join(', ', @k > 8 ? (@k[0 .. 7], '...') : @k);
}
refuse("$dir is not a directory") unless -d $dir;
refuse("$dir/utt2spk is missing; it is the list of utterances and cannot be guessed")
  unless -f "$dir/utt2spk";

my $has_segments = -f "$dir/segments";
my @known = grep { -f "$dir/$_" } (sort(keys %UTT_FILES), sort(keys %SPK_FILES), sort(keys %RECO_FILES));

# Read everything; clean duplicates; refuse conflicting duplicates.
my %table;    # file -> { key => rest }
my %changed;  # file -> 1 when its contents change
for my $f (@known) {
  next if $f eq 'spk2utt';
  my $rows = read_table("$dir/$f");
  my (%map, @order, $empty, $dups, $prev, $unsorted);
  for my $r (@$rows) {
    if ($r->{key} eq '') { $empty++; next; }
    if (exists $map{$r->{key}}) {
      refuse("$dir/$f: key $r->{key} appears twice with different contents (line $r->{n}); "
             . "fix it by hand") if $map{$r->{key}} ne $r->{rest};
      $dups++;
      next;
    }
    $unsorted = 1 if defined $prev && ($r->{key} cmp $prev) < 0;
    $prev = $r->{key};
    $map{$r->{key}} = $r->{rest};
  }
  note("$dir/$f: removed $empty empty line(s)") if $empty;
  note("$dir/$f: removed $dups duplicate line(s)") if $dups;
  note("$dir/$f: was not sorted; sorted") if $unsorted;
  $changed{$f} = 1 if $empty || $dups || $unsorted;
  $table{$f} = \%map;
}

for my $u (sort keys %{$table{utt2spk}}) {
  my @f = split(' ', $table{utt2spk}{$u});
  refuse("$dir/utt2spk: utterance $u has " . (@f ? scalar(@f) + 1 : 1) . " fields, expected 'utt spk'")
    unless @f == 1;
}

# Utterances: those in utt2spk and in every per-utterance file.
my %keep = map { $_ => 1 } keys %{$table{utt2spk}};
my %why;   # utt -> reason it was dropped
my @utt_files = grep { $UTT_FILES{$_} && $_ ne 'utt2spk' } @known;
push @utt_files, 'wav.scp' if !$has_segments && $table{'wav.scp'};
for my $f (@utt_files) {
  my @missing = grep { !exists $table{$f}{$_} } sort keys %keep;
  if (@missing) {
    note("$dir/$f: lacks " . scalar(@missing) . " utterance(s) of utt2spk, dropped: " . some(@missing));
    $why{$_} = "missing from $f" for @missing;
    delete @keep{@missing};
  }
  my @extra = grep { !exists $table{utt2spk}{$_} } sort keys %{$table{$f}};
  note("$dir/$f: has " . scalar(@extra) . " utterance(s) not in utt2spk, dropped: " . some(@extra)) if @extra;
}
if ($has_segments && $table{'wav.scp'}) {
  my @noreco = grep { my ($r) = split(' ', $table{segments}{$_}); !exists $table{'wav.scp'}{$r} } sort keys %keep;
  if (@noreco) {
    note("$dir/segments: " . scalar(@noreco) . " utterance(s) whose recording is not in wav.scp, dropped: " . some(@noreco));
    $why{$_} = "recording not in wav.scp" for @noreco;
    delete @keep{@noreco};
  }
}
if ($check_wavs && $table{'wav.scp'}) {
  my (@gone, %reco_missing);
  for my $k (sort keys %{$table{'wav.scp'}}) {
    my $e = $table{'wav.scp'}{$k};
    next if $e =~ m/\|\s*$/ || $e =~ m/\s/;
    $reco_missing{$k} = $e unless -e $e;
  }
  if (%reco_missing && keys(%reco_missing) == keys(%{$table{'wav.scp'}})) {
    refuse("$dir/wav.scp: none of the " . scalar(keys %reco_missing) . " audio files exists "
           . "(e.g. " . (values %reco_missing)[0] . "); is a disk missing? (--check-wavs false skips this)");
  }
  for my $u (sort keys %keep) {
    my $reco = $has_segments ? (split(' ', $table{segments}{$u}))[0] : $u;
    push @gone, $u if exists $reco_missing{$reco};
  }
  if (@gone) {
    note("$dir/wav.scp: " . scalar(@gone) . " utterance(s) whose audio file does not exist, dropped: "
         . some(map { "$_ ($reco_missing{$has_segments ? (split(' ', $table{segments}{$_}))[0] : $_})" } @gone));
    $why{$_} = "audio file missing" for @gone;
    delete @keep{@gone};
  }
}
refuse("no utterance would be left") unless %keep;

# Write the result (after backing up the originals).
make_path("$dir/.backup");
for my $f (@known) { copy("$dir/$f", "$dir/.backup/$f") or refuse("cannot back up $dir/$f: $!"); }

my @utts = sort keys %keep;
my %spk_used = map { $table{utt2spk}{$_} => 1 } @utts;
my %reco_used = $has_segments ? map { (split(' ', $table{segments}{$_}))[0] => 1 } @utts : %keep;
for my $f (@known) {
  next if $f eq 'spk2utt';
  my $t = $table{$f};
  my @keys;
  if ($UTT_FILES{$f} || ($f eq 'wav.scp' && !$has_segments) || ($f eq 'reco2dur' && !$has_segments)) {
    @keys = grep { exists $t->{$_} } @utts;
  } elsif ($SPK_FILES{$f}) {
    @keys = grep { $spk_used{$_} } sort keys %$t;
  } else {
    @keys = grep { $reco_used{$_} } sort keys %$t;
  }
  if (@keys != keys %$t) {
    my $n = keys(%$t) - @keys;
    note("$dir/$f: removed $n line(s) of dropped utterances/speakers/recordings")
      unless $UTT_FILES{$f} || ($f eq 'wav.scp' && !$has_segments);
    $changed{$f} = 1;
  }
  write_table("$dir/$f", [map { [$_, $t->{$_}] } @keys]) if $changed{$f};
}

# spk2utt from utt2spk.
my $s2u = utt2spk_to_spk2utt([map { [$_, $table{utt2spk}{$_}] } @utts]);
my $new = join('', map { "$_->[0] $_->[1]\n" } @$s2u);
my $old = '';
if (-f "$dir/spk2utt") {
  local $/;
  if (open(my $fh, '<', "$dir/spk2utt")) { $old = <$fh>; close $fh; }
}
if ($old ne $new) {
  note(-f "$dir/spk2utt" ? "$dir/spk2utt: was out of date with utt2spk; regenerated"
                         : "$dir/spk2utt: was missing; made from utt2spk");
  write_table("$dir/spk2utt", $s2u);
}

my @dropped = sort keys %why;
if (@dropped) {
  if (open(my $fh, '>', "$dir/.backup/dropped_utts")) {
    print $fh "$_ $why{$_}\n" for @dropped;
    close $fh;
  }
}

# Speaker order must follow utterance order.
my ($prev, %seen, $bad);
for my $u (@utts) {
  my $s = $table{utt2spk}{$u};
  $bad = "$u ($s)" if !defined $bad && defined $prev && $s ne $prev && $seen{$s};
  $seen{$s} = 1;
  $prev = $s;
}
my $total = keys %{$table{utt2spk}};
note("$dir: kept " . scalar(@utts) . " of $total utterances, " . scalar(keys %spk_used)
     . " speakers" . (@dropped ? "; dropped utterances listed in $dir/.backup/dropped_utts" : "")
     . "; originals in $dir/.backup/");
if (defined $bad) {
  print STDERR "$prog: cannot fix: utterances of a speaker are not contiguous when sorted by "
             . "utterance id (e.g. $bad); utterance ids must start with the speaker id "
             . "(copy_data_dir.sh --utt-prefix can add it)\n";
  exit 1;
}
exit 0;
