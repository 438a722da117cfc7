#!/usr/bin/env bash
# utils/validate_data_dir.sh: check a Kaldi data directory and name every problem found.
# (A bash entry point; the checks are the Perl program below, run with perl -x.)
exec perl -x -I"$(dirname "$(readlink -f "$0")")/lib" "$0" "$@"
#!perl
use strict;
use warnings;
use Voxtools::DataDir qw(%UTT_FILES %SPK_FILES %RECO_FILES read_table audio_duration
                         utt2spk_to_spk2utt);

my $prog = 'validate_data_dir.sh';
my $usage = <<'END';
validate_data_dir.sh: check a Kaldi data directory; print every problem, by file and key.
Usage: validate_data_dir.sh [options] <data-dir>
 e.g.: utils/validate_data_dir.sh data/train
Checks: utt2spk and spk2utt present; wav.scp present (unless --no-wav); every file sorted
(LC_ALL=C, by key), with unique keys, no empty lines and the right number of fields;
spk2utt matching utt2spk; utterance ids that sort with their speakers (speaker-prefixed);
the same utterances in utt2spk, wav.scp (or segments), text, feats.scp, utt2dur, utt2lang,
vad.scp, utt2num_frames; speakers of spk2gender/cmvn.scp; segments within their
recordings; trials labels; and (unless --no-audio-check) that every recording can be read
(files exist; commands ending in "|" run) and that utt2dur and segments agree with its
duration. Exit status 0 when the directory is valid, 1 otherwise.
Options:
  --no-wav              # do not require wav.scp (e.g. a feats-only directory)
  --no-audio-check      # do not open the audio (faster on large corpora)
  --duration-tolerance <s>  # allowed mismatch of utt2dur and segments, seconds (0.05)
  --no-text, --no-feats # accepted for Kaldi compatibility (text and feats.scp are
                        # checked when present, never required)
  --help                # print this text
See also: fix_data_dir.sh, data/get_utt2dur.sh, utils/README.md
END

my ($no_wav, $no_audio, $tol) = (0, 0, 0.05);
while (@ARGV && $ARGV[0] =~ m/^--/) {
  my $o = shift @ARGV;
  if ($o eq '--no-wav') { $no_wav = 1; }
  elsif ($o eq '--no-audio-check') { $no_audio = 1; }
  elsif ($o eq '--no-text' || $o eq '--no-feats' || $o eq '--non-print') { }
  elsif ($o =~ m/^--duration-tolerance(?:=(.*))?$/) {
    $tol = defined $1 ? $1 : shift @ARGV;
    if (!defined $tol || $tol !~ m/^[\d.]+$/) { print STDERR "$prog: bad --duration-tolerance\n"; exit 1; }
  }
  elsif ($o eq '--help') { print $usage; exit 0; }
  else { print STDERR "$prog: bad option $o\n$usage"; exit 1; }
}
if (@ARGV != 1) { print STDERR $usage; exit 1; }
my $dir = $ARGV[0];
$dir =~ s{/+$}{};
if (!-d $dir) { print STDERR "$prog: $dir is not a directory\n"; exit 1; }

my @problems;
sub problem { push @problems, join('', @_); }
sub some {
  my @k = @_;
  return join(', ', @k > 5 ? (@k[0 .. 4], '...') : @k);
}

# Reads a file and checks what every keyed file must satisfy; returns {key => rest} and
# the keys in order.
sub load {
  my ($name, $min_fields, $max_fields) = @_;
  my $path = "$dir/$name";
  my $rows = read_table($path);
  problem("$path: empty file") unless @$rows;
  my (%map, @keys, %first);
  my $prev;
  my $unsorted_reported = 0;
  for my $r (@$rows) {
    if ($r->{key} eq '') { problem("$path: line $r->{n} is empty"); next; }
    my $nf = 1 + scalar(split(' ', $r->{rest}));
    $nf = 1 if $r->{rest} eq '';
    if ($nf < $min_fields || (defined $max_fields && $nf > $max_fields)) {
      my $want = defined $max_fields
        ? ($min_fields == $max_fields ? "$min_fields" : "$min_fields to $max_fields")
        : "at least $min_fields";
      problem("$path: line $r->{n} (key $r->{key}) has $nf fields, expected $want");
    }
    if (exists $first{$r->{key}}) {
      problem("$path: duplicate key $r->{key} (lines $first{$r->{key}} and $r->{n})");
      next;
    }
    $first{$r->{key}} = $r->{n};
    if (defined $prev && ($r->{key} cmp $prev) < 0 && !$unsorted_reported) {
      problem("$path: not sorted (LC_ALL=C, by key): $r->{key} on line $r->{n} comes after $prev");
      $unsorted_reported = 1;
    }
    $prev = $r->{key};
    $map{$r->{key}} = $r->{rest};
    push @keys, $r->{key};
  }
  return (\%map, \@keys);
}

for my $f ('utt2spk', 'spk2utt', $no_wav ? () : 'wav.scp') {
  problem("$dir/$f: missing (required)") unless -f "$dir/$f";
}
if (!-f "$dir/utt2spk") { report(); }

my ($u2s, $utts) = load('utt2spk', 2, 2);
my $nutt = @$utts;
my %spk_of = %$u2s;
my %speakers = map { $_ => 1 } values %spk_of;

# Speakers must stay together when utterances are sorted.
{
  my (%seen, $prev);
  for my $u (sort @$utts) {
    my $s = $spk_of{$u};
    if (defined $prev && $s ne $prev && $seen{$s}) {
      problem("$dir/utt2spk: utterances of speaker $s are not contiguous when sorted by "
              . "utterance id (e.g. $u); utterance ids must start with the speaker id "
              . "(copy_data_dir.sh --utt-prefix can add it)");
      last;
    }
    $seen{$s} = 1;
    $prev = $s;
  }
}

if (-f "$dir/spk2utt") {
  my ($s2u, $spks) = load('spk2utt', 2);
  my $expect = utt2spk_to_spk2utt([map { [$_, $spk_of{$_}] } @$utts]);
  my %want = map { $_->[0] => $_->[1] } @$expect;
  my (@missing, @extra, @differ);
  for my $s (sort keys %want) {
    if (!exists $s2u->{$s}) { push @missing, $s; }
    elsif (join(' ', sort split(' ', $s2u->{$s})) ne join(' ', sort split(' ', $want{$s}))) { push @differ, $s; }
  }
  for my $s (@$spks) { push @extra, $s unless exists $want{$s}; }
  if (@missing || @extra || @differ) {
    my @what;
    push @what, scalar(@missing) . " speaker(s) missing: " . some(@missing) if @missing;
    push @what, scalar(@extra) . " speaker(s) not in utt2spk: " . some(@extra) if @extra;
    push @what, scalar(@differ) . " speaker(s) with other utterances: " . some(@differ) if @differ;
    problem("$dir/spk2utt: out of date with utt2spk: " . join('; ', @what)
            . " (regenerate it: utils/utt2spk_to_spk2utt.pl, or utils/fix_data_dir.sh)");
  }
}

# Per-utterance files.
my $has_segments = -f "$dir/segments";
my %files_fields = ('text' => [1], 'feats.scp' => [2, 2], 'utt2dur' => [2, 2],
                    'utt2lang' => [2, 2], 'utt2num_frames' => [2, 2], 'vad.scp' => [2, 2],
                    'segments' => [4, 4], 'utt2gender' => [2, 2], 'utt2uniq' => [2, 2]);
my %loaded;
my @per_utt = grep { -f "$dir/$_" } sort keys %files_fields;
push @per_utt, 'wav.scp' if !$has_segments && -f "$dir/wav.scp";
for my $f (@per_utt) {
  my ($map) = $f eq 'wav.scp' ? load($f, 2) : load($f, @{$files_fields{$f}});
  $loaded{$f} = $map;
  my @missing = grep { !exists $map->{$_} } @$utts;
  my @extra = grep { !exists $u2s->{$_} } sort keys %$map;
  problem("$dir/$f: lacks " . scalar(@missing) . " utterance(s) of utt2spk: " . some(@missing)) if @missing;
  problem("$dir/$f: has " . scalar(@extra) . " utterance(s) not in utt2spk: " . some(@extra)) if @extra;
}

# Recordings.
my $wav;
if ($has_segments && -f "$dir/wav.scp") {
  ($wav) = load('wav.scp', 2);
  $loaded{'wav.scp'} = $wav;
  my %used;
  my $seg = $loaded{segments};
  for my $u (sort keys %$seg) {
    my ($reco, $b, $e) = split(' ', $seg->{$u});
    next unless defined $e;
    $used{$reco} = 1;
    problem("$dir/segments: utterance $u: recording $reco is not in wav.scp") unless exists $wav->{$reco};
    if ($b !~ m/^\d+(\.\d*)?$/ || $e !~ m/^-?\d+(\.\d*)?$/) {
      problem("$dir/segments: utterance $u: bad times '$b $e'");
    } elsif ($e != -1 && $e <= $b) {
      problem("$dir/segments: utterance $u: end $e is not after start $b");
    }
  }
  my @unused = grep { !$used{$_} } sort keys %$wav;
  problem("$dir/wav.scp: " . scalar(@unused) . " recording(s) used by no segment: " . some(@unused)) if @unused;
} elsif (-f "$dir/wav.scp") {
  $wav = $loaded{'wav.scp'};
}

if ($wav) {
  for my $k (sort keys %$wav) {
    my $e = $wav->{$k};
    if ($e !~ m/\|\s*$/ && scalar(split(' ', $e)) != 1) {
      problem("$dir/wav.scp: $k: '$e' is neither one file name (no spaces) nor a command ending in '|'");
    }
  }
}

# Other keyed files.
for my $f (qw(spk2gender cmvn.scp)) {
  next unless -f "$dir/$f";
  my ($map) = load($f, 2, 2);
  my @missing = grep { !exists $map->{$_} } sort keys %speakers;
  my @extra = grep { !$speakers{$_} } sort keys %$map;
  problem("$dir/$f: lacks " . scalar(@missing) . " speaker(s) of utt2spk: " . some(@missing)) if @missing;
  problem("$dir/$f: has " . scalar(@extra) . " speaker(s) not in utt2spk: " . some(@extra)) if @extra;
  if ($f eq 'spk2gender') {
    for my $s (sort keys %$map) {
      problem("$dir/spk2gender: speaker $s: gender '$map->{$s}' is not m or f") unless $map->{$s} =~ m/^[mf]$/;
    }
  }
}
if ($loaded{utt2dur}) {
  for my $u (sort keys %{$loaded{utt2dur}}) {
    my $d = $loaded{utt2dur}{$u};
    problem("$dir/utt2dur: utterance $u: duration '$d' is not a positive number")
      unless $d =~ m/^\d*\.?\d+(e[-+]?\d+)?$/i && $d > 0;
  }
}
if (-f "$dir/trials") {
  my $rows = read_table("$dir/trials");
  my @bad_test;
  for my $r (@$rows) {
    next if $r->{key} eq '';
    my @f = split(' ', $r->{line});
    if (@f != 3) { problem("$dir/trials: line $r->{n} has " . scalar(@f) . " fields, expected 'enroll test target|nontarget'"); next; }
    problem("$dir/trials: line $r->{n}: label '$f[2]' is not target or nontarget")
      unless $f[2] =~ m/^(target|nontarget)$/;
    push @bad_test, $f[1] unless exists $u2s->{$f[1]};
  }
  my %u = map { $_ => 1 } @bad_test;
  problem("$dir/trials: " . scalar(keys %u) . " test utterance(s) not in utt2spk: " . some(sort keys %u)) if @bad_test;
}

# Audio.
my $total = 0;
if ($wav && !$no_audio) {
  my %dur;
  my %rates;
  for my $k (sort keys %$wav) {
    my ($d, $err) = audio_duration($wav->{$k});
    if (defined $err) { problem("$dir/wav.scp: $k: $err"); next; }
    if ($d <= 0) { problem("$dir/wav.scp: $k: the audio is empty"); next; }
    $dur{$k} = $d;
  }
  if ($has_segments && $loaded{segments}) {
    my $seg = $loaded{segments};
    for my $u (sort keys %$seg) {
      my ($reco, $b, $e) = split(' ', $seg->{$u});
      next unless defined $e && exists $dur{$reco};
      $e = $dur{$reco} if $e == -1;
      problem("$dir/segments: utterance $u: ends at $e s, after the end of $reco ($dur{$reco} s)")
        if $e > $dur{$reco} + $tol;
      $total += $e - $b;
      if ($loaded{utt2dur} && exists $loaded{utt2dur}{$u}
          && abs($loaded{utt2dur}{$u} - ($e - $b)) > $tol) {
        problem("$dir/utt2dur: utterance $u: says $loaded{utt2dur}{$u} s, its segment lasts "
                . sprintf('%.3f', $e - $b) . " s");
      }
    }
  } else {
    for my $k (sort keys %dur) {
      $total += $dur{$k};
      if ($loaded{utt2dur} && exists $loaded{utt2dur}{$k}
          && abs($loaded{utt2dur}{$k} - $dur{$k}) > $tol) {
        problem("$dir/utt2dur: utterance $k: says $loaded{utt2dur}{$k} s, the audio lasts "
                . sprintf('%.3f', $dur{$k}) . " s");
      }
    }
  }
}

report();

sub report {
  if (@problems) {
    print STDERR "$prog: $_\n" for @problems;
    print STDERR "$prog: $dir: " . scalar(@problems) . " problem(s) found"
               . " (utils/fix_data_dir.sh fixes sorting, duplicates, missing utterances and spk2utt)\n";
    exit 1;
  }
  my $msg = "$prog: $dir is valid: $nutt utterances, " . scalar(keys %speakers) . " speakers";
  $msg .= sprintf(", %.2f hours of audio", $total / 3600) if $total > 0;
  print STDERR "$msg\n";
  exit 0;
}
