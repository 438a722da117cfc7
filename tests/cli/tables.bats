#!/usr/bin/env bats
# Table grammar (rspecifiers, wspecifiers, scp lines) as a user meets it through copy-feats.

load tables-common

setup() {
  setup_fixture_copy
  cd "$BATS_TEST_TMPDIR/tables"
}

@test "tables: options with spaces, stdin/stdout, flush, negated options" {
  copy-feats "s, cs, o, ark:-" "t, f, ark:-" < float_mats.ark | cmp - float_mats.txt
  copy-feats "ns,np,b,ark:float_mats.ark" "nf,b,t,ark:-" | cmp - float_mats.txt
}

@test "tables: ark,scp with the scp on stdout and the archive in a file" {
  copy-feats ark:float_mats.ark ark,scp:o.ark,- > o.scp
  cmp o.ark float_mats.ark
  sed 's/ o.ark:/ float_mats.ark:/' o.scp | cmp - float_mats.scp
}

@test "tables: scp wspecifier writes each object where the scp says" {
  printf 'one_1x1 one.mat\nodd_7x13 odd.mat\n' > targets.scp
  copy-feats "scp:grep -E 'one_1x1|odd_7x13' float_mats.scp |" scp:targets.scp
  [ "$(feat-to-len one.mat 2>/dev/null)" = "1" ]
  [ "$(feat-to-len odd.mat 2>/dev/null)" = "7" ]
  run copy-feats ark:float_mats.ark scp:targets.scp
  [ "$status" -eq 1 ]
  [[ "$output" == *"key empty_0x0 is not in scp:targets.scp"* ]]
  copy-feats ark:float_mats.ark p,scp:targets.scp
}

@test "tables: permissive reading copies what is readable" {
  head -c 1000 float_mats.ark > trunc.ark
  run copy-feats p,ark:trunc.ark ark,t:out.txt
  [ "$status" -eq 0 ]
  [[ "$output" == *"WARNING"*"reading key fbank_123x80 from p,ark:trunc.ark"* ]]
  [[ "$output" == *"Done 6, errors 0"* ]]
  head -n "$(grep -c '' out.txt)" float_mats.txt | cmp - out.txt
  printf 'a float_mats.ark:10\nb gone.ark:10\nc float_mats.ark:33\n' > p.scp
  run copy-feats p,scp:p.scp ark,t:p.txt
  [ "$status" -eq 0 ]
  [[ "$output" == *"Done 2, errors 0"* ]]
}

@test "tables: an scp entry may be a command; a single object may be read at an offset" {
  copy-feats float_mats.ark:618 fb.mat
  gzip -c fb.mat > fb.gz
  echo "fbank_123x80 gunzip -c fb.gz |" > cmd.scp
  copy-feats scp:cmd.scp ark,t:- | cmp - <(grep -A123 '^fbank_123x80' float_mats.txt)
}

@test "tables: malformed specifiers and scp lines are errors naming them" {
  run copy-feats ark,scp:float_mats.ark ark:o.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"'ark,scp:float_mats.ark'"* ]]
  run copy-feats ark:float_mats.ark h5,t:o.h5
  [ "$status" -eq 1 ]
  [[ "$output" == *"h5 tables have no text mode"* ]]
  run copy-feats ark:float_mats.ark "ark,scp:| cat,o.scp"
  [ "$status" -eq 1 ]
  [[ "$output" == *"must be a plain file"* ]]
  run copy-feats ark:float_mats.ark ark,gz:o.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"only for h5"* ]]
  printf 'good float_mats.ark:10\nlonely\n' > bad.scp
  run copy-feats scp:bad.scp ark:o.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"bad line 2 in scp:bad.scp"* ]]
  [ ! -e o.ark ] && [ ! -e o.scp ] && [ ! -e o.h5 ]
  assert_no_tmp_files
}

@test "tables: h5 needs a plain file and a readable HDF5 file" {
  run copy-feats h5:- ark:o.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"plain file"* ]]
  echo "not hdf5" > fake.h5
  run copy-feats h5:fake.h5 ark:o.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"fake.h5"* ]]
  [ ! -e o.ark ]
}
