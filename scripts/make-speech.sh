#!/usr/bin/env bash
# Rebuilds Samples/speech/: synthetic English speech for training a mel-conditioned vocoder.
# The sentences in scripts/speech-sentences.txt (written for this project) are read by three
# festival voices and three espeak-ng voices, all from Debian packages, with small per-file
# changes of speed and pitch; everything is resampled to 16 kHz mono, normalised to -1 dBFS
# peak, trimmed to 50 ms of silence at each end and written as 16-bit FLAC, VOICE-NN.flac,
# three sentences (about 7-13 s) to a file so that whole files can be held out.
# Deterministic (no dither, fixed parameters) and idempotent: it replaces only
# Samples/speech/*.flac and leaves the piano in Samples/ alone.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

packages="festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts espeak-ng sox flac"
voices=/usr/share/festival/voices
if ! command -v text2wave >/dev/null || ! command -v espeak-ng >/dev/null \
   || ! command -v sox >/dev/null || ! command -v flac >/dev/null \
   || [ ! -d "$voices/english/kal_diphone" ] || [ ! -d "$voices/english/ked_diphone" ] \
   || [ ! -d "$voices/us/cmu_us_slt_arctic_hts" ]; then
  apt-get update
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y $packages
fi

sentences=scripts/speech-sentences.txt
count=$(grep -c . "$sentences")
files_per_voice=7      # files per voice
per_file=3             # sentences per file
stride=15              # voice v starts at sentence v*stride (cyclic), so neighbours share a few

# name | engine | voice
voice_table="
kal|festival|kal_diphone
ked|festival|ked_diphone
slt|festival|cmu_us_slt_arctic_hts
espeak-us|espeak|en-us
espeak-gb-f3|espeak|en-gb+f3
espeak-gb-m3|espeak|en-gb+m3
"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/out"

v=0
while IFS='|' read -r name engine voice; do
  [ -n "$name" ] || continue
  for k in $(seq 1 "$files_per_voice"); do
    nn=$(printf '%02d' "$k")
    start=$(( v * stride + (k - 1) * per_file ))
    # The file's sentences (cyclic over the list), one per line.
    awk -v s="$start" -v n="$per_file" -v c="$count" \
      'NF { line[i++] = $0 } END { for (j = 0; j < n; j++) print line[(s + j) % c] }' \
      "$sentences" > "$work/text.txt"
    variant=$(( (k - 1) % 3 ))   # 0: the voice's default, 1: slower and lower, 2: faster and higher
    raw="$work/raw.wav"
    case "$engine" in
      festival)
        if [ "$voice" = cmu_us_slt_arctic_hts ]; then
          # HTS voice (32 kHz): hts_engine's speed (-r) and half-tone shift (-fm).
          rate=(1.0 0.9 1.1); tone=(0.0 -1.5 1.5)
          text2wave -eval "(voice_$voice)" \
            -eval "(set! hts_engine_params (append hts_engine_params (list '(\"-r\" ${rate[$variant]}) '(\"-fm\" ${tone[$variant]}))))" \
            -o "$raw" "$work/text.txt"
        else
          # Diphone voice (16 kHz): duration stretch and mean F0 in Hz (both voices default 1.1, 105).
          stretch=(1.1 1.2 1.0); f0=(105 94 118)
          text2wave -eval "(voice_$voice)" \
            -eval "(Parameter.set 'Duration_Stretch ${stretch[$variant]})" \
            -eval "(set! int_lr_params '((target_f0_mean ${f0[$variant]}) (target_f0_std 14) (model_f0_mean 170) (model_f0_std 34)))" \
            -o "$raw" "$work/text.txt"
        fi
        ;;
      espeak)
        # 22.05 kHz; words per minute and pitch (0-99, default 175 and 50).
        speed=(175 155 195); pitch=(50 38 62)
        espeak-ng -v "$voice" -s "${speed[$variant]}" -p "${pitch[$variant]}" -w "$raw" -f "$work/text.txt"
        ;;
    esac
    # 16 kHz mono (very high quality resampler), -1 dBFS peak, silence cut at both ends and
    # 50 ms put back, 16-bit FLAC at level 8; -R and -D (no dither) make reruns byte-identical.
    sox -R -D "$raw" -b 16 -c 1 -C 8 "$work/out/$name-$nn.flac" \
      remix - rate -v 16000 gain -n -1 \
      silence 1 0.01 -50d reverse silence 1 0.01 -50d reverse pad 0.05 0.05
  done
  v=$(( v + 1 ))
done <<< "$voice_table"

mkdir -p Samples/speech
rm -f Samples/speech/*.flac
mv "$work"/out/*.flac Samples/speech/
flac -s -t Samples/speech/*.flac
ls -l Samples/speech/*.flac
du -ch Samples/speech/*.flac | tail -1
