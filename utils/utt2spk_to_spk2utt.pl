#!/usr/bin/env perl
# utils/utt2spk_to_spk2utt.pl: turn "utt spk" lines into "spk utt1 utt2 ..." lines.
use strict;
use warnings;

my $usage = <<'END';
utt2spk_to_spk2utt.pl: turn utt2spk ("utt spk" lines) into spk2utt ("spk utt1 utt2 ...").
Usage: utt2spk_to_spk2utt.pl [<utt2spk>] > spk2utt
 e.g.: utils/utt2spk_to_spk2utt.pl data/train/utt2spk > data/train/spk2utt
Speakers come in the order of their first utterance, utterances in input order (so a
sorted utt2spk with speaker-prefixed utterance ids gives a sorted spk2utt). Reads stdin
when no file is given.
See also: spk2utt_to_utt2spk.pl, fix_data_dir.sh
END
if (@ARGV && $ARGV[0] =~ m/^(--help|-h)$/) { print $usage; exit 0; }
if (@ARGV > 1) { print STDERR $usage; exit 1; }
my $name = @ARGV ? $ARGV[0] : 'stdin';
my (%utts, @order, %seen);
while (my $line = <>) {
  my @f = split(' ', $line);
  if (@f != 2) {
    print STDERR "utt2spk_to_spk2utt.pl: $name line $.: expected 'utt spk', got '" . join(' ', @f) . "'\n";
    exit 1;
  }
  my ($u, $s) = @f;
  if ($seen{$u}++) {
    print STDERR "utt2spk_to_spk2utt.pl: $name line $.: utterance $u appears twice\n";
    exit 1;
  }
  push @order, $s unless exists $utts{$s};
  push @{$utts{$s}}, $u;
}
print "$_ @{$utts{$_}}\n" for @order;
