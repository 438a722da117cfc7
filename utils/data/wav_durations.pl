#!/usr/bin/env perl
# utils/data/wav_durations.pl: print "<key> <seconds>" for each entry of a wav.scp.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use Voxtools::DataDir qw(audio_duration);

my $usage = <<'END';
wav_durations.pl: print "<key> <duration in seconds>" for each line of a wav.scp.
Usage: wav_durations.pl <wav.scp> > durations
 e.g.: utils/data/wav_durations.pl data/train/wav.scp > data/train/reco2dur
Entries are file names or commands ending in "|". WAV headers are read directly (a file is
not read through); other formats need sox's soxi. Exits 1 after the last entry if any entry
could not be read, naming each.
See also: data/get_utt2dur.sh
END
if (@ARGV != 1 || $ARGV[0] =~ m/^--?h/) { print STDERR $usage; exit(@ARGV == 1 ? 0 : 1); }
open(my $fh, '<', $ARGV[0]) or do { print STDERR "wav_durations.pl: cannot open $ARGV[0]: $!\n"; exit 1; };
my $errors = 0;
while (my $line = <$fh>) {
  my ($key, $entry) = $line =~ m/^\s*(\S+)\s+(.*?)\s*$/;
  next unless defined $key;
  my ($d, $err) = audio_duration($entry);
  if (defined $err) {
    print STDERR "wav_durations.pl: $ARGV[0]: $key: $err\n";
    $errors++;
    next;
  }
  printf "%s %.6g\n", $key, $d;
}
if ($errors) { print STDERR "wav_durations.pl: $errors entries could not be read\n"; exit 1; }
