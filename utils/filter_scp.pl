#!/usr/bin/env perl
# utils/filter_scp.pl: keep (or drop) the lines of a file whose key is in an id list.
use strict;
use warnings;

my $usage = <<'END';
filter_scp.pl: print the lines of <in> whose field <n> (default 1) is the first field of a
line in <id-list>, in the order of <in>; with --exclude, the other lines.
Usage: filter_scp.pl [--exclude] [-f <n>] <id-list> [<in>] > out
 e.g.: utils/filter_scp.pl data/dev/utt2spk data/all/wav.scp > data/dev/wav.scp
       utils/filter_scp.pl --exclude -f 2 bad_speakers data/all/utt2spk
Reads <in> from stdin when it is not given.
See also: subset_data_dir.sh, fix_data_dir.sh
END
my ($exclude, $field) = (0, 1);
while (@ARGV && $ARGV[0] =~ m/^-/) {
  my $o = shift @ARGV;
  if ($o eq '--exclude') { $exclude = 1; }
  elsif ($o eq '-f' && @ARGV) { $field = shift @ARGV; }
  elsif ($o =~ m/^-f(\d+)$/) { $field = $1; }
  elsif ($o =~ m/^(--help|-h)$/) { print $usage; exit 0; }
  else { print STDERR "filter_scp.pl: bad option $o\n$usage"; exit 1; }
}
if ($field !~ m/^[1-9]\d*$/) { print STDERR "filter_scp.pl: -f needs a positive field number\n"; exit 1; }
if (@ARGV < 1 || @ARGV > 2) { print STDERR $usage; exit 1; }
my $list = shift @ARGV;
open(my $fh, '<', $list) or do { print STDERR "filter_scp.pl: cannot open $list: $!\n"; exit 1; };
my %keep;
while (<$fh>) { my ($k) = split; $keep{$k} = 1 if defined $k; }
close $fh;
while (my $line = <>) {
  my @f = split(' ', $line);
  my $k = $f[$field - 1];
  my $in = defined $k && $keep{$k};
  print $line if ($in xor $exclude);
}
