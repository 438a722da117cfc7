#!/usr/bin/env perl
# utils/spk2utt_to_utt2spk.pl: turn "spk utt1 utt2 ..." lines into "utt spk" lines.
use strict;
use warnings;

my $usage = <<'END';
spk2utt_to_utt2spk.pl: turn spk2utt ("spk utt1 utt2 ...") into utt2spk ("utt spk").
Usage: spk2utt_to_utt2spk.pl [<spk2utt>] > utt2spk
 e.g.: utils/spk2utt_to_utt2spk.pl data/train/spk2utt | LC_ALL=C sort > data/train/utt2spk
Lines come out in input order; sort them (LC_ALL=C) if the utterance ids do not start with
the speaker ids. Reads stdin when no file is given.
See also: utt2spk_to_spk2utt.pl
END
if (@ARGV && $ARGV[0] =~ m/^(--help|-h)$/) { print $usage; exit 0; }
if (@ARGV > 1) { print STDERR $usage; exit 1; }
my $name = @ARGV ? $ARGV[0] : 'stdin';
my %seen;
while (my $line = <>) {
  my ($s, @u) = split(' ', $line);
  next unless defined $s;
  if (!@u) {
    print STDERR "spk2utt_to_utt2spk.pl: $name line $.: speaker $s has no utterances\n";
    exit 1;
  }
  for my $u (@u) {
    if ($seen{$u}++) {
      print STDERR "spk2utt_to_utt2spk.pl: $name line $.: utterance $u appears twice\n";
      exit 1;
    }
    print "$u $s\n";
  }
}
