#!/usr/bin/env bats
# wav-to-duration: Kaldi's wav-to-duration, byte for byte against features/durations*.txt.

load audio-common

setup() {
  setup_audio_fixture
}

@test "wav-to-duration: durations.txt and durations_8k.txt byte for byte" {
  run wav-to-duration scp:wav.scp ark,t:out.txt
  [ "$status" -eq 0 ]
  [[ "$output" == *"Done 5, errors 0"* ]]
  cmp out.txt durations.txt
  wav-to-duration scp:wav_8k.scp ark,t:- | cmp - durations_8k.txt
  assert_no_tmp_files
}

@test "wav-to-duration: --read-entire-file=true is accepted and changes nothing" {
  wav-to-duration --read-entire-file=true scp:wav.scp ark,t:- | cmp - durations.txt
}

@test "wav-to-duration: wav archive, scp offsets into it, and commands in wav.scp" {
  grep -E '^(d_short|e_stereo) ' durations.txt > expected
  wav-to-duration ark:wavs.ark ark,t:- | cmp - expected
  wav-to-duration scp:wavs.scp ark,t:- | cmp - expected
  sed 's#^\([^ ]*\) \(.*\)$#\1 cat \2 |#' wav.scp > piped.scp
  wav-to-duration scp:piped.scp ark,t:- | cmp - durations.txt
  # A binary float table reads back with the same values.
  wav-to-duration scp:wav.scp ark:bin.ark
  [ "$(head -c 12 bin.ark | od -An -c | tr -s ' ')" = " a _ s p e e c h \0 B 004" ]
}

@test "wav-to-duration: h5 input written by wav-to-h5 (int16 and float32)" {
  wav-to-h5 scp:wav.scp i.h5
  wav-to-h5 --format=float32 scp:wav.scp f.h5
  wav-to-duration h5:i.h5 ark,t:- | cmp - durations.txt
  wav-to-duration h5:f.h5 ark,t:- | cmp - durations.txt
}

@test "wav-to-duration: segments give each segment's length" {
  printf 's1 a_speech 0.1 0.5\ns2 a_speech 1.0 -1\ns3 e_stereo 0 0.25\n' > segments
  run wav-to-duration --segments=segments scp:wav.scp ark,t:-
  [ "$status" -eq 0 ]
  [[ "$output" == *"s1 0.4 "* ]]
  [[ "$output" == *"s2 0.4303125 "* ]]  # 6885 samples
  [[ "$output" == *"s3 0.25 "* ]]
}

@test "wav-to-duration: FLAC, Ogg, 24-bit and float wavs made by sox" {
  need_sox
  sox -n -r 16000 -b 24 x24.wav synth 0.5 sine 440
  sox -n -r 16000 -e floating-point -b 32 xf.wav synth 0.75 sine 440
  sox -n -r 22050 -b 16 x.flac synth 1.2 sine 440
  sox -n -r 16000 x.ogg synth 1.5 sine 440
  printf 'a x24.wav\nb xf.wav\nc x.flac\nd x.ogg\n' > sox.scp
  run wav-to-duration scp:sox.scp ark,t:-
  [ "$status" -eq 0 ]
  [[ "$output" == *"a 0.5 "* ]]
  [[ "$output" == *"b 0.75 "* ]]
  [[ "$output" == *"c 1.2 "* ]]
  [[ "$output" == *"d 1.5 "* ]]
}

@test "wav-to-duration: each bad input fails naming the key, and leaves no output" {
  make_bad_wavs
  for bad in "missing bad/nonexistent.wav" "text bad/text.wav" "empty bad/empty.wav" \
             "truncated bad/truncated.wav"; do
    key=${bad%% *}
    printf 'a_speech wav/a_speech.wav\n%s\n' "$bad" > bad.scp
    run wav-to-duration scp:bad.scp ark,t:out.txt
    [ "$status" -eq 1 ]
    [[ "$output" == *"WARNING"*"$key: cannot read audio"* ]]
    [[ "$output" == *"Done 1, errors 1"* ]]
    [ ! -e out.txt ]
  done
  [[ "$output" == *"Truncated"* ]]
  assert_no_tmp_files
}

@test "wav-to-duration: wrong sample rate fails naming key and both rates" {
  run wav-to-duration --sample-rate=16000 scp:wav_8k.scp ark,t:out.txt
  [ "$status" -eq 1 ]
  [[ "$output" == *"f_nb8k: sample rate is 8000 Hz, expected 16000 Hz"*"--sample-rate=0"* ]]
  [ ! -e out.txt ]
}

@test "wav-to-duration: --max-errors lets a run with a few bad keys succeed" {
  printf 'a_speech wav/a_speech.wav\nmissing nonexistent.wav\n' > bad.scp
  run wav-to-duration --max-errors=1 scp:bad.scp ark,t:out.txt
  [ "$status" -eq 0 ]
  [[ "$output" == *"Done 1, errors 1"* ]]
  [ "$(cat out.txt)" = "a_speech 1.430313 " ]
}

@test "wav-to-duration: wrong argument count prints usage and fails" {
  run wav-to-duration scp:wav.scp
  [ "$status" -eq 1 ]
  [[ "$output" == *"Usage: wav-to-duration"* ]]
}
