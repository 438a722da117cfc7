# Voxtools::DataDir: reading Kaldi data-directory files and audio headers, shared by
# validate_data_dir.sh, fix_data_dir.sh, combine_data.sh and data/get_utt2dur.sh.
package Voxtools::DataDir;

use strict;
use warnings;
use Exporter 'import';
our @EXPORT_OK = qw(%UTT_FILES %SPK_FILES %RECO_FILES read_table write_table audio_duration
                    utt2spk_to_spk2utt);

# Files keyed by utterance, by speaker, and by recording (recording = utterance when there
# is no segments file; then wav.scp and reco2dur are keyed by utterance).
our %UTT_FILES = map { $_ => 1 } qw(utt2spk text feats.scp utt2dur utt2lang utt2num_frames
                                    vad.scp segments utt2gender utt2uniq);
our %SPK_FILES = map { $_ => 1 } qw(spk2utt spk2gender cmvn.scp);
our %RECO_FILES = map { $_ => 1 } qw(wav.scp reco2dur reco2file_and_channel);

# Reads a "key rest-of-line" file. Returns a list of hashes {key, rest, line, n} in file
# order; empty lines come back with key ''.
sub read_table {
  my ($path) = @_;
  open(my $fh, '<', $path) or die "cannot open $path: $!\n";
  my @rows;
  my $n = 0;
  while (my $line = <$fh>) {
    $n++;
    chomp $line;
    $line =~ s/\r$//;
    my ($key, $rest) = $line =~ m/^\s*(\S*)\s*(.*?)\s*$/;
    push @rows, { key => $key, rest => $rest, line => $line, n => $n };
  }
  close $fh;
  return \@rows;
}

# Writes "key rest" lines (given as [key, rest] pairs) to $path through a temporary file.
sub write_table {
  my ($path, $pairs) = @_;
  open(my $fh, '>', "$path.tmp") or die "cannot write $path.tmp: $!\n";
  for my $p (@$pairs) {
    print $fh ($p->[1] eq '' ? "$p->[0]\n" : "$p->[0] $p->[1]\n");
  }
  close $fh or die "cannot write $path.tmp: $!\n";
  rename("$path.tmp", $path) or die "cannot rename $path.tmp to $path: $!\n";
}

# spk2utt lines, speakers in order of first appearance in utt2spk (as pairs [spk, utts]).
sub utt2spk_to_spk2utt {
  my ($pairs) = @_;
  my (%utts, @order);
  for my $p (@$pairs) {
    push @order, $p->[1] unless exists $utts{$p->[1]};
    push @{$utts{$p->[1]}}, $p->[0];
  }
  return [map { [$_, join(' ', @{$utts{$_}})] } @order];
}

# Parses a RIFF/WAVE header from a file handle; returns (rate, channels, bytes_per_frame,
# data_bytes or undef when the header does not say, e.g. when written to a pipe).
sub _wav_header {
  my ($fh) = @_;
  my $buf;
  return () unless read($fh, $buf, 12) == 12;
  my ($riff, undef, $wave) = unpack('a4 V a4', $buf);
  return () unless $riff eq 'RIFF' && $wave eq 'WAVE';
  my ($rate, $ch, $bits, $align);
  while (read($fh, $buf, 8) == 8) {
    my ($id, $size) = unpack('a4 V', $buf);
    if ($id eq 'fmt ') {
      return () unless read($fh, $buf, $size) == $size;
      (undef, $ch, $rate, undef, $align, $bits) = unpack('v v V V v v', $buf);
      read($fh, $buf, 1) if $size % 2;
    } elsif ($id eq 'data') {
      return () unless defined $rate && $align;
      my $bytes = ($size == 0 || $size == 0xFFFFFFFF) ? undef : $size;
      return ($rate, $ch, $align, $bytes);
    } else {
      my $skip = $size + ($size % 2);
      while ($skip > 0) {
        my $n = read($fh, $buf, $skip > 65536 ? 65536 : $skip);
        return () unless $n;
        $skip -= $n;
      }
    }
  }
  return ();
}

# Duration in seconds of a wav.scp entry (a file name, or a command ending in "|").
# Returns (seconds, undef) or (undef, error message). WAV headers are read directly; other
# formats need sox's soxi.
sub audio_duration {
  my ($entry) = @_;
  if ($entry =~ m/^(.*)\|\s*$/) {
    my $cmd = $1;
    open(my $fh, '-|', 'bash', '-c', "set -o pipefail; $cmd") or return (undef, "cannot run '$cmd'");
    binmode $fh;
    my ($rate, $ch, $align, $bytes) = _wav_header($fh);
    if (!defined $rate) { close $fh; return (undef, "command '$cmd' does not write a WAV file"); }
    my ($total, $buf, $n) = (0);
    while (($n = read($fh, $buf, 1 << 16))) { $total += $n; }
    close $fh;
    return (undef, "command '$cmd' failed (exit status " . ($? >> 8) . ")") if $? != 0;
    $bytes = $total if !defined $bytes || $bytes > $total;
    return (int($bytes / $align) / $rate, undef);
  }
  my $path = $entry;
  return (undef, "file $path does not exist") unless -e $path;
  return (undef, "file $path is not readable") unless -r $path && -f $path;
  open(my $fh, '<:raw', $path) or return (undef, "cannot open $path: $!");
  my ($rate, $ch, $align, $bytes) = _wav_header($fh);
  my $pos = tell($fh);
  close $fh;
  if (defined $rate) {
    my $avail = (-s $path) - $pos;
    $bytes = $avail if !defined $bytes || $bytes > $avail;
    return (int($bytes / $align) / $rate, undef);
  }
  my $soxi = `command -v soxi 2>/dev/null`;
  return (undef, "$path is not a WAV file (install sox to read other formats)") unless $soxi;
  my $d = '';
  if (open(my $sh, '-|', 'soxi', '-D', $path)) { local $/; $d = <$sh>; close $sh; }
  return (undef, "cannot read the audio in $path") unless $? == 0 && defined $d && $d =~ m/^\s*([\d.]+)/;
  return ($1 + 0, undef);
}

1;
