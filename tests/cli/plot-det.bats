#!/usr/bin/env bats
# plot-det: an SVG with one curve per system and markers, PNG through rsvg-convert (or a
# clear error without it), and bad inputs that leave no file.

load backend-common

setup() {
  cd "$BATS_TEST_TMPDIR"
  "$PYTHON" -c '
import random
random.seed(2)
with open("trials", "w") as t, open("s1", "w") as a, open("s2", "w") as b:
    for i in range(3000):
        target = i < 300
        t.write("e%d t%d %s\n" % (i % 9, i, "target" if target else "nontarget"))
        a.write("e%d t%d %.5f\n" % (i % 9, i, random.gauss(3 if target else 0, 1)))
        b.write("e%d t%d %.5f\n" % (i % 9, i, random.gauss(1.5 if target else 0, 1)))
'
}

@test "plot-det: SVG with a curve, EER and minDCF per system; PNG via rsvg-convert" {
  plot-det --names='first,second <b>' --p-target=0.1 --title=Test trials s1 s2 det.svg
  [ "$(grep -c '<polyline ' det.svg)" -eq 2 ]
  grep -q 'second &lt;b&gt;: EER' det.svg
  grep -q '</svg>' det.svg
  # The legend's EER is compute-eer's.
  eer=$(compute-eer trials s1 2>/dev/null)
  ours=$(sed -n 's/.*>first: EER \([0-9.]*\)%.*/\1/p' det.svg)
  "$PYTHON" -c "assert abs($ours - $eer) < 0.006, ($ours, $eer)"
  # A well-formed XML document (the standard library's parser).
  "$PYTHON" -c 'import xml.dom.minidom, sys; xml.dom.minidom.parse("det.svg")'
  # The compute-eer style single input.
  paste -d' ' s1 trials | awk '{print $3, $6}' > labelled
  plot-det labelled one.svg
  [ "$(grep -c '<polyline ' one.svg)" -eq 1 ]
  if ! command -v rsvg-convert >/dev/null; then
    skip "rsvg-convert (librsvg2-bin) not installed: PNG output not tested"
  fi
  plot-det --png --png-width=400 trials s1 s2 det.png
  [ "$(head -c 8 det.png | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]
}

@test "plot-det: --png without rsvg-convert is a clear error and leaves nothing" {
  mkdir fakebin
  ln -s "$(command -v plot-det)" fakebin/plot-det
  PATH="$PWD/fakebin" run plot-det --png trials s1 det.png
  [ "$status" -eq 1 ]
  [[ "$output" == *"PNG output needs rsvg-convert (Debian package librsvg2-bin)"* ]]
  [ ! -e det.png ]
}

@test "plot-det: unknown trial, NaN, empty input, bad options" {
  head -100 s1 > partial
  run plot-det trials partial det.svg
  [ "$status" -eq 1 ]
  [[ "$output" == *"no score for trial"* ]]
  sed '5s/ [^ ]*$/ nan/' s1 > nan_scores
  run plot-det trials nan_scores det.svg
  [ "$status" -eq 1 ]
  [[ "$output" == *"line 5 of nan_scores: expected 'enroll test score'"* ]]
  : > empty
  run plot-det empty det.svg
  [ "$status" -eq 1 ]
  [[ "$output" == *"Empty input."* ]]
  run plot-det --names=a trials s1 s2 det.svg
  [ "$status" -eq 1 ]
  [[ "$output" == *"--names has 1 names for 2 systems"* ]]
  run plot-det --min-rate=0.6 trials s1 det.svg
  [ "$status" -eq 1 ]
  [[ "$output" == *"need 0 < --min-rate < --max-rate < 1"* ]]
  [ ! -e det.svg ]
  assert_no_tmp_files
}
