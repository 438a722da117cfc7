#!/usr/bin/env bats
# average-vectors: Kaldi's ivector-mean with spk2utt, byte for byte, and num_utts.

load backend-common

setup() { setup_backend; }

@test "average-vectors: speaker means and num_utts identical to Kaldi's ivector-mean" {
  average-vectors ark:enroll_spk2utt scp:enroll_xvector.scp ark,t:spk.txt ark,t:nu.ark
  cmp spk.txt enroll_spk_xvector.txt
  cmp nu.ark num_utts.ark
  average-vectors ark:enroll_spk2utt scp:enroll_xvector.scp ark:/dev/null ark:nu.bin
  cmp nu.bin num_utts.bin.ark
  assert_no_tmp_files
}

@test "average-vectors: missing utterance, dimension mismatch, NaN fail with no output" {
  run average-vectors --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: average-vectors"* ]]
  printf 'ev01 ev01-enr1 ev01-enr9\n' > s2u
  run average-vectors ark:s2u scp:enroll_xvector.scp ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"speaker ev01: no vector for utterance ev01-enr9"* ]]
  [ ! -e out.ark ]
  average-vectors --max-errors=1 ark:s2u scp:enroll_xvector.scp ark,t:out.txt
  [ "$(wc -l < out.txt)" -eq 1 ]
  printf 's a b\n' > s2u
  printf 'a [ 1 2 3 ]\nb [ 1 2 ]\n' > bad.txt
  run average-vectors ark:s2u ark,t:bad.txt ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"vector b has dimension 2, the earlier ones 3"* ]]
  printf 'a 3 1 2 3\nb 3 1 nan 3\n' | make_binary_vectors nan.ark
  run average-vectors ark:s2u ark:nan.ark ark:out.ark
  [ "$status" -eq 1 ]
  [[ "$output" == *"vector b has a NaN or Inf element"* ]]
  [ ! -e out.ark ]
  assert_no_tmp_files
}
