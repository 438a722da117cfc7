#!/usr/bin/env bats
# copy-feats: Kaldi's copy-feats, byte for byte against the Kaldi fixtures (tables/, compress/).

load tables-common

setup() {
  setup_fixture_copy
  cd "$BATS_TEST_TMPDIR/tables"
}

@test "copy-feats: text archive -> ark,scp is byte-identical to Kaldi's float_mats.ark/.scp" {
  run copy-feats ark,t:float_mats.in.txt ark,scp:out.ark,out.scp
  [ "$status" -eq 0 ]
  [[ "$output" == *"Done 7, errors 0"* ]]
  cmp out.ark float_mats.ark
  sed 's/^\([^ ]*\) out.ark:/\1 float_mats.ark:/' out.scp | cmp - float_mats.scp
  assert_no_tmp_files
}

@test "copy-feats: text output is byte-identical to Kaldi's, from text, binary and scp input" {
  copy-feats ark,t:float_mats.in.txt ark,t:out.txt
  cmp out.txt float_mats.txt
  copy-feats ark:float_mats.ark ark,t:- | cmp - float_mats.txt
  copy-feats scp:float_mats.scp ark,t:- | cmp - float_mats.txt
}

@test "copy-feats: reading through the scp gives Kaldi's archive again" {
  copy-feats scp:float_mats.scp ark:- | cmp - float_mats.ark
}

@test "copy-feats: ark,t,scp offsets match Kaldi's float_mats.t.scp; a text ark reads through them" {
  copy-feats ark,t:float_mats.in.txt ark,t,scp:t.ark,t.scp
  cmp t.ark float_mats.txt
  sed 's/ t.ark:/ float_mats.txt:/' t.scp | cmp - float_mats.t.scp
  copy-feats scp:float_mats.t.scp ark,t:- | cmp - float_mats.txt
}

@test "copy-feats: scp row/column ranges give Kaldi's float_mats.ranges.txt" {
  copy-feats scp:float_mats.ranges.scp ark,t:- | cmp - float_mats.ranges.txt
}

@test "copy-feats: --compress with methods 1..7 is byte-identical to Kaldi (ark and scp)" {
  cd ../compress
  for x in fbank edge; do
    for m in 1 2 3 4 5 6 7; do
      copy-feats --compress=true --compression-method=$m ark:$x.in.ark ark,scp:o.ark,o.scp
      cmp o.ark $x.cm$m.ark
      sed "s/ o.ark:/ $x.cm$m.ark:/" o.scp | cmp - $x.cm$m.scp
    done
  done
  assert_no_tmp_files
}

@test "copy-feats: decompression is bit-exact with Kaldi (binary and text)" {
  cd ../compress
  for x in fbank edge; do
    for m in 1 2 3 4 5 6 7; do
      copy-feats ark:$x.cm$m.ark ark:- | cmp - $x.cm$m.decompressed.ark
      copy-feats scp:$x.cm$m.scp ark,t:- | cmp - $x.cm$m.decompressed.txt
    done
  done
}

@test "copy-feats: a range on a compressed matrix gives Kaldi's fbank.cm1.ranges.txt" {
  cd ../compress
  copy-feats scp:fbank.cm1.ranges.scp ark,t:- | cmp - fbank.cm1.ranges.txt
}

@test "copy-feats: pipes in both directions, and stdin to stdout" {
  copy-feats "ark:cat float_mats.ark |" "ark:| gzip -c > out.gz"
  gunzip -c out.gz | cmp - float_mats.ark
  copy-feats ark:- ark,t:- < float_mats.ark | cmp - float_mats.txt
  copy-feats "ark:gunzip -c out.gz |" ark,t:- | cmp - float_mats.txt
}

@test "copy-feats: ark -> h5 -> ark round-trips exactly; h5 is readable by h5dump" {
  copy-feats ark:float_mats.ark h5:feats.h5
  copy-feats h5:feats.h5 ark:- | cmp - float_mats.ark
  copy-feats h5:feats.h5 ark,t:- | cmp - float_mats.txt
  h5dump -H feats.h5 | grep -q 'DATASET "fbank_123x80"'
  h5dump -H -d fbank_123x80 feats.h5 | grep -q '( 123, 80 )'
  copy-feats scp:float_mats.ranges.scp h5,gz:ranges.h5
  copy-feats h5:ranges.h5 ark,t:- | cmp - float_mats.ranges.txt
  assert_no_tmp_files
}

@test "copy-feats: --compress to h5 stores the decompressed values" {
  cd ../compress
  copy-feats --compress=true --compression-method=2 ark:fbank.in.ark h5:c.h5
  copy-feats h5:c.h5 ark:- | cmp - fbank.cm2.decompressed.ark
}

@test "copy-feats: --write-num-frames writes Kaldi's int32 table" {
  copy-feats --write-num-frames=ark,t:nf.txt ark:float_mats.ark ark:/dev/null
  cmp nf.txt float_mats.len.txt
  [ -c /dev/null ]
}

@test "copy-feats: single-object mode (file to file)" {
  copy-feats --binary=false single_mat.bin out.txt
  cmp out.txt single_mat.txt
  copy-feats single_mat.txt out.bin
  cmp out.bin single_mat.bin
}

@test "copy-feats: a truncated archive fails naming the key and the file, no output left" {
  head -c 1000 float_mats.ark > trunc.ark
  run copy-feats ark:trunc.ark ark,scp:out.ark,out.scp
  [ "$status" -eq 1 ]
  [[ "$output" == *"reading key fbank_123x80 from ark:trunc.ark"* ]]
  [[ "$output" == *"truncated"* ]]
  [ ! -e out.ark ] && [ ! -e out.scp ]
  assert_no_tmp_files
}

@test "copy-feats: a bad object token fails naming the key, no output left" {
  python3 -c "
d = open('float_mats.ark', 'rb').read()
i = d.index(b'FM ', 40)
open('bad.ark', 'wb').write(d[:i] + b'QQ ' + d[i + 3:])"
  run copy-feats ark:bad.ark ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"reading key row_1x6 from ark:bad.ark"* ]]
  [[ "$output" == *"QQ"* ]]
  [ ! -e out.ark ]
  assert_no_tmp_files
}

@test "copy-feats: a missing scp target fails naming the key and the file" {
  printf 'a float_mats.ark:10\nb nothere.ark:10\n' > miss.scp
  run copy-feats scp:miss.scp ark,t:out.txt
  [ "$status" -eq 1 ]
  [[ "$output" == *"reading key b from scp:miss.scp"* ]]
  [[ "$output" == *"nothere.ark"* ]]
  [ ! -e out.txt ]
  assert_no_tmp_files
}

@test "copy-feats: NaN or Inf in a text archive fails naming the key" {
  printf 'good [ 1 2 ]\nk1 [ 1 2\n 3 nan ]\n' > nan.txt
  run copy-feats ark,t:nan.txt ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"reading key k1 from ark,t:nan.txt"* ]]
  [ ! -e out.ark ]
  printf 'k2 [ inf 2 ]\n' > inf.txt
  run copy-feats ark,t:inf.txt ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"k2"* ]]
  [ ! -e out.ark ]
  assert_no_tmp_files
}

@test "copy-feats: empty input is an error and writes nothing" {
  : > empty.ark
  run copy-feats ark:empty.ark ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"Done 0, errors 0"* ]]
  [[ "$output" == *"empty input"* ]]
  [ ! -e out.ark ]
  assert_no_tmp_files
}

@test "copy-feats: an scp range beyond the matrix fails naming the key, range and size" {
  echo "odd float_mats.ark:151[3:9]" > r.scp
  run copy-feats scp:r.scp ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"reading key odd from scp:r.scp"* ]]
  [[ "$output" == *"[3:9]"*"7 x 13"* ]]
  [ ! -e out.ark ]
  echo "odd float_mats.ark:151[:,0:13]" > r.scp
  run copy-feats scp:r.scp ark:out.ark
  [ "$status" -eq 1 ]
  [ ! -e out.ark ]
  assert_no_tmp_files
}

@test "copy-feats: a failing input or output pipe is an error naming the command" {
  run copy-feats "ark:cat nothere.ark |" ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"cat nothere.ark"* ]]
  [ ! -e out.ark ]
  run copy-feats ark:float_mats.ark "ark:| cat > /dev/null; exit 3"
  [ "$status" -eq 1 ]
  [[ "$output" == *"command 'cat > /dev/null; exit 3' exited with status 3"* ]]
  run copy-feats ark:float_mats.ark "ark:| exit 3"
  [ "$status" -eq 1 ]
  [[ "$output" == *"'exit 3' exited with status 3"* ]]
}

@test "copy-feats: bad options and specifiers are rejected clearly" {
  run copy-feats --compress=true --compression-method=8 ark:float_mats.ark ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"--compression-method=8"* ]]
  run copy-feats ark,q:float_mats.ark ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown option 'q' in rspecifier 'ark,q:float_mats.ark'"* ]]
  run copy-feats ark:float_mats.ark ark,s:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"option 's' is for reading"* ]]
  run copy-feats ark:float_mats.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"Usage: copy-feats"* ]]
  [ ! -e out.ark ]
}

@test "copy-feats: --help prints the usage and exits 0" {
  run copy-feats --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: copy-feats"* ]]
  [[ "$output" == *"--compression-method"* ]]
}
