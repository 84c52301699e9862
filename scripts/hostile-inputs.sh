#!/usr/bin/env bash
# Hostile inputs and careless use (issue 13), run against a built binary: one line per case on stdout:
#   CASE-ID <TAB> exit code <TAB> stderr line (<=160 chars) <TAB> verdict
# The stderr column is the first stderr line that looks like an error/warning/fatal message
# ("Error", "error", "Fatal", "warning", ...), else the first non-empty line (progress lines split on \r).
# Every case runs in its own subshell under `ulimit -v 6000000` and `timeout` (20 s, FIFO cases 5 s).
# Also writes $2/results.tsv (the same lines) and $2/results.md (a markdown table with descriptions).
#
# usage: repro.sh [BINARY] [SCRATCH]
#   BINARY  default .build/release/wavenet of this package
#   SCRATCH default /tmp/issue13-scratch (created; wiped if it holds a previous run's marker)
# Needs: root (mknod, mount -t tmpfs), sox/soxi, python3 + numpy.

BIN=$(readlink -f "${1:-$(dirname "$0")/../.build/release/wavenet}")
S=${2:-/tmp/issue13-scratch}
[ -x "$BIN" ] || { echo "no executable $BIN" >&2; exit 2; }

# The shipped model: BINARY's package root/Checkpoints/default.safetensors, else the frozen copy.
ROOT=$(cd "$(dirname "$BIN")/../.." && pwd)
DEFMODEL=$ROOT/Checkpoints/default.safetensors
[ -f "$DEFMODEL" ] || DEFMODEL=$(dirname "$0")/../Checkpoints/default.safetensors

# ---------------------------------------------------------------- scratch folder
if [ -e "$S" ]; then
    if [ -e "$S/.issue13-scratch" ]; then
        for m in "$S"/d10fs "$S"/c6fs; do mountpoint -q "$m" 2>/dev/null && umount "$m"; done
        rm -rf "$S"
    elif [ -n "$(ls -A "$S" 2>/dev/null)" ]; then
        echo "$S exists, is not empty and is not a previous scratch folder; refusing to wipe it" >&2; exit 2
    fi
fi
mkdir -p "$S" && S=$(cd "$S" && pwd) && touch "$S/.issue13-scratch" || exit 2
LOGS=$S/logs; mkdir -p "$LOGS"
cd "$S" || exit 2
: >"$S/results.tsv"
printf '| case | what | exit | outcome |\n|---|---|---|---|\n' >"$S/results.md"

BGPID=
cleanup() {
    [ -n "$BGPID" ] && kill -TERM "$BGPID" 2>/dev/null && wait "$BGPID" 2>/dev/null
    for m in "$S"/d10fs "$S"/c6fs; do mountpoint -q "$m" 2>/dev/null && umount "$m"; done
}
trap cleanup EXIT

W=$BIN
IMAX=9223372036854775807
ARCH=(--residual-channels 4 --dilation-channels 4 --skip-channels 8 --stacks 1 --depth 3)
RUN=(--steps 2 --batch 1 --segment 200 --threads 1 --save-every 1 --validate-every 1)
RES=(--threads 1 --save-every 1 --validate-every 1)     # for --resume (settings from the checkpoint)

# ---------------------------------------------------------------- helpers
# run ID SECONDS cmd... : runs cmd in a subshell with the memory cap; stdin from $STDIN or /dev/null.
run() {
    local id=$1 t=$2; shift 2
    ( ulimit -v 6000000; exec timeout -k 3 "$t" "$@" ) >"$LOGS/$id.out" 2>"$LOGS/$id.err" <"${STDIN:-/dev/null}"
    RC=$?; LAST=$id
}
# runpipe ID SECONDS FILE cmd... : like run, with FILE fed through a pipe on stdin.
runpipe() {
    local id=$1 t=$2 f=$3; shift 3
    cat "$f" | ( ulimit -v 6000000; exec timeout -k 3 "$t" "$@" ) >"$LOGS/$id.out" 2>"$LOGS/$id.err"
    RC=${PIPESTATUS[1]}; LAST=$id
}
errline() {
    local f=$LOGS/$1.err l
    l=$(tr '\r' '\n' <"$f" | sed '/^[[:space:]]*$/d' | grep -m1 -E 'Fatal|Error|error|runtime failure|warning|refus|cannot|Terminated|Killed|Illegal|Abort|Segmentation' )
    [ -n "$l" ] || l=$(tr '\r' '\n' <"$f" | sed '/^[[:space:]]*$/d' | head -n1)
    printf '%s' "$l" | tr '\t' ' ' | cut -c1-160
}
# sigtag: trap/timeout classification of $RC and $LAST's stderr
sigtag() {
    local t=
    case $RC in
        124) t="timeout" ;;
        130) t="SIGINT exit (130)" ;;
        137) [ -n "$EXPECTKILL" ] && t="SIGKILLed by the script (137)" || t="hung: SIGTERM at timeout ignored, SIGKILLed (137)" ;;
        141) t="SIGPIPE (141)" ;;
        132|133|134|135|136|139) t="trap/signal SIG$(kill -l $((RC-128)) 2>/dev/null) ($RC)" ;;
    esac
    if grep -q "Fatal error" "$LOGS/$LAST.err" 2>/dev/null; then t="${t:+$t, }Fatal error"; fi
    printf '%s' "$t"
}
# emit ID DESCRIPTION VERDICT
emit() {
    local id=$1 desc=$2 v=$3 e tag
    e=$(errline "$LAST"); tag=$(sigtag)
    [ -n "$tag" ] && v="$tag; $v"
    printf '%s\t%s\t%s\t%s\n' "$id" "$RC" "$e" "$v" | tee -a "$S/results.tsv"
    printf '| %s | %s | %s | %s — `%s` |\n' "$id" "$desc" "$RC" "$v" "$(printf '%s' "$e" | sed 's/|/\\|/g; s/`/'"'"'/g')" >>"$S/results.md"
}
sha() { [ -f "$1" ] && sha256sum "$1" | cut -d' ' -f1 || echo none; }
# victim FILE OLDHASH : intact / changed / gone / not a regular file
victim() {
    local f=$1 h=$2 n; n=$(basename "$f")
    if [ ! -e "$f" ] && [ ! -L "$f" ]; then echo "$n deleted"; return; fi
    if [ ! -f "$f" ]; then echo "$n no longer a regular file"; return; fi
    if [ "$(sha "$f")" = "$h" ]; then echo "$n intact"; return; fi
    local kind; kind=$(head -c4 "$f" | tr -dc 'A-Za-z')
    if [ "$kind" = RIFF ]; then kind="now a WAV"; elif [ "$(head -c 10 "$f" | tail -c 2)" = '{"' ]; then kind="now a safetensors checkpoint"; else kind="content changed"; fi
    echo "$n destroyed ($kind, $(stat -c %s "$f") bytes)"
}
# loadable FILE: does `wavenet info` still accept the checkpoint?
loadable() {
    local o r; o=$( ( ulimit -v 6000000; timeout 20 "$W" info "$1" ) 2>&1 >/dev/null ); r=$?
    [ $r = 0 ] && echo "info loads it" || echo "info refuses it (rc $r): $(printf '%s' "$o" | grep -m1 -E 'Error|Fatal' | sed 's/^Error: [^:]*: //' | cut -c1-90)"
}
verd() { case $RC in 0) echo "accepted";; 124) echo "hung";; 1[2-9][0-9]|2[0-9][0-9]) echo "crashed";; *) echo "rejected with an error";; esac; }
acc() { [ "$RC" = 64 ] && echo "refused as usage error" || echo "option accepted"; }
dur() { soxi -D "$1" 2>/dev/null || echo "?"; }
outline() { tr '\r' '\n' <"$LOGS/$1.out" | grep -m1 -E "$2" | sed 's/  */ /g' | cut -c1-80; }
chardev() { if [ -c "$1" ]; then echo "$(basename "$1") still a char device"; elif [ -f "$1" ]; then echo "$(basename "$1") REPLACED by a regular file ($(stat -c %s "$1") bytes)"; elif [ -e "$1" ]; then echo "$(basename "$1") replaced by $(stat -c %F "$1")"; else echo "$(basename "$1") deleted"; fi; }

# ---------------------------------------------------------------- python helpers
cat >"$S/st.py" <<'PY'
import json, struct, sys, numpy as np
def load(p):
    b = open(p, 'rb').read(); n = struct.unpack('<Q', b[:8])[0]
    return json.loads(b[8:8+n]), b[8+n:]
def save(p, h, data):
    t = json.dumps(h, separators=(',', ':'))
    t += ' ' * ((8 - len(t) % 8) % 8)
    open(p, 'wb').write(struct.pack('<Q', len(t)) + t.encode() + data)
cmd, a = sys.argv[1], sys.argv[2:]
if cmd == 'train':            # IN OUT JSON: merge JSON into the train metadata
    h, d = load(a[0]); t = json.loads(h['__metadata__'].get('train', '{}')); t.update(json.loads(a[2]))
    h['__metadata__']['train'] = json.dumps(t, separators=(',', ':')); save(a[1], h, d)
elif cmd == 'meta':           # IN OUT KEY VALUE
    h, d = load(a[0]); h['__metadata__'][a[2]] = a[3]; save(a[1], h, d)
elif cmd == 'shape':          # IN OUT TENSOR SHAPE-JSON (offsets kept)
    h, d = load(a[0]); h[a[2]]['shape'] = json.loads(a[3]); save(a[1], h, d)
elif cmd == 'setval':         # IN OUT TENSOR INDEX VALUE
    h, d = load(a[0]); e = h[a[2]]; d = bytearray(d)
    o = e['data_offsets'][0] + 4 * int(a[3]); d[o:o+4] = struct.pack('<f', float(a[4])); save(a[1], h, bytes(d))
elif cmd == 'huge':           # OUT: legal but huge config, no tensors
    cfg = {"dilation_channels": 4096, "dilations": [1] * 30, "quantization_channels": 256,
           "residual_channels": 4096, "sample_rate": 16000, "skip_channels": 4096}
    save(a[0], {"__metadata__": {"format": "wavenet/1", "config": json.dumps(cfg, separators=(',', ':')), "step": "0"}}, b'')
elif cmd == 'check':          # FILE: step, non-finite weights, min Adam v
    import os
    if not os.path.exists(a[0]): print("missing"); sys.exit()
    try:
        h, d = load(a[0])
        nan = 0; vmin = None; wmax = 0.0
        for k, e in h.items():
            if k == '__metadata__': continue
            x = np.frombuffer(d[e['data_offsets'][0]:e['data_offsets'][1]], '<f4')
            if not k.startswith('optimizer.'):
                nan += int((~np.isfinite(x)).sum()); f = x[np.isfinite(x)]
                if f.size: wmax = max(wmax, float(np.abs(f).max()))
            if k.startswith('optimizer.v.') and x.size: vmin = float(x.min()) if vmin is None else min(vmin, float(x.min()))
        print(f"step {h['__metadata__'].get('step')}, {nan} non-finite weights, max|w| {wmax:.3g}, min v {vmin:.3g}")
    except Exception as ex:
        print(f"unreadable ({type(ex).__name__})")
elif cmd == 'wavbig':         # OUT: ~3 KB PCM16 WAV whose data chunk claims 0xFFFFFFF0 bytes
    pcm = (np.sin(np.arange(1500) * 0.2) * 8000).astype('<i2').tobytes()
    fmt = struct.pack('<HHIIHH', 1, 1, 16000, 32000, 2, 16)
    body = b'WAVE' + b'fmt ' + struct.pack('<I', 16) + fmt + b'data' + struct.pack('<I', 0xFFFFFFF0) + pcm
    open(a[0], 'wb').write(b'RIFF' + struct.pack('<I', len(body)) + body)
elif cmd == 'wavrate':        # OUT: WAV header claiming 2147483647 Hz, 255 channels, PCM16
    ch, rate = 255, 2147483647
    pcm = bytes(2 * ch * 20)
    fmt = struct.pack('<HHIIHH', 1, ch, rate, (rate * 2 * ch) & 0xFFFFFFFF, 2 * ch, 16)
    body = b'WAVE' + b'fmt ' + struct.pack('<I', 16) + fmt + b'data' + struct.pack('<I', len(pcm)) + pcm
    open(a[0], 'wb').write(b'RIFF' + struct.pack('<I', len(body)) + body)
elif cmd == 'wavn':           # OUT RATE N: N-frame PCM16 mono WAV of full-scale-ish alternating samples
    import wave
    w = wave.open(a[0], 'wb'); w.setnchannels(1); w.setsampwidth(2); w.setframerate(int(a[1]))
    w.writeframes(b''.join(struct.pack('<h', 16000 if i % 2 == 0 else -16000) for i in range(int(a[2])))); w.close()
elif cmd == 'flacbig':        # IN OUT: set STREAMINFO total samples to 2^36-1
    b = bytearray(open(a[0], 'rb').read()); assert b[:4] == b'fLaC' and (b[4] & 0x7F) == 0
    b[21] |= 0x0F; b[22:26] = b'\xff\xff\xff\xff'; open(a[1], 'wb').write(bytes(b))
PY
st() { python3 "$S/st.py" "$@"; }

# ---------------------------------------------------------------- inputs
mkdir -p D
sox -n -r 16000 -c 1 D/tone.wav synth 1 sine 440
sox -n -r 16000 -c 1 D/tone2.wav synth 1 sine 660
sox -n -r 16000 -c 1 prime.wav synth 0.2 sine 330
( ulimit -v 6000000; timeout 20 "$W" train D --checkpoint tiny.safetensors "${ARCH[@]}" "${RUN[@]}" ) >"$LOGS/setup.out" 2>"$LOGS/setup.err" \
    || { echo "setup: tiny training failed; see $LOGS/setup.err" >&2; exit 1; }
TINY=$S/tiny.safetensors
ttrain() { cp "$TINY" "$1"; }   # a fresh copy of the tiny trained model

# ================================================================ data loss
# D1: generate --out = --checkpoint
cp "$DEFMODEL" m.safetensors; h=$(sha m.safetensors)
run D1 20 "$W" generate --checkpoint m.safetensors --out m.safetensors --seconds 0.1
emit D1 "generate --out same as --checkpoint" "$(victim m.safetensors "$h")"
cp "$DEFMODEL" m.safetensors

# D2: generate --out = --prime
cp prime.wav p2.wav; h=$(sha p2.wav); d0=$(dur p2.wav)
run D2 20 "$W" generate --checkpoint "$TINY" --prime p2.wav --out p2.wav --seconds 0.1
emit D2 "generate --out same as --prime" "$(victim p2.wav "$h") (${d0}s -> $(dur p2.wav)s)"

# D3: train --checkpoint pointing at a training file, --overwrite
mkdir -p D3; cp D/tone.wav D/tone2.wav D3/; h=$(sha D3/tone.wav)
run D3 20 "$W" train D3 --checkpoint D3/tone.wav --overwrite "${ARCH[@]}" "${RUN[@]}"
emit D3 "train --checkpoint DATA/tone.wav --overwrite" "$(victim D3/tone.wav "$h")"

# D4a: generate --out a character device (/dev/full stand-in)
mknod "$S/fakefull" c 1 7
run D4a 20 "$W" generate --checkpoint "$TINY" --out "$S/fakefull" --seconds 0.1
emit D4a "generate --out char device (fake /dev/full)" "$(chardev "$S/fakefull")"

# D4b: train --log a character device (/dev/null stand-in)
mknod "$S/fakenull" c 1 3
run D4b 20 "$W" train D --checkpoint d4b.safetensors "${ARCH[@]}" "${RUN[@]}" --log "$S/fakenull"
emit D4b "train --log char device (fake /dev/null)" "$(chardev "$S/fakenull")"

# D5: --log appends? (a) resume, (b) new run with --overwrite
run D5.0 20 "$W" train D --checkpoint d5.safetensors "${ARCH[@]}" "${RUN[@]}" --log d5.jsonl
n1=$(wc -l <d5.jsonl 2>/dev/null || echo 0)
run D5a 20 "$W" train D --checkpoint d5.safetensors --resume --steps 2 "${RES[@]}" --log d5.jsonl
n2=$(wc -l <d5.jsonl 2>/dev/null || echo 0)
emit D5a "--log on --resume keeps earlier lines" "log lines $n1 -> $n2 (expected $((n1+2)))"
run D5b 20 "$W" train D --checkpoint d5.safetensors --overwrite "${ARCH[@]}" "${RUN[@]}" --log d5.jsonl
n3=$(wc -l <d5.jsonl 2>/dev/null || echo 0)
emit D5b "--log ('Append ...') on a new run (--overwrite)" "log lines $n2 -> $n3 ($([ "$n3" -gt "$n2" ] && echo appended || echo 'TRUNCATED, earlier log lost'))"

# D6: --log = --checkpoint with --resume (save only at the end so the log writes land in the checkpoint first)
ttrain d6.safetensors; z0=$(stat -c %s d6.safetensors)
run D6 20 "$W" train D --checkpoint d6.safetensors --resume --steps 2 --threads 1 --save-every 1000 --validate-every 1 --log d6.safetensors
emit D6 "--log same path as --checkpoint (--resume)" "$([ $RC = 0 ] && echo 'accepted (not refused)' || echo refused); size $z0 -> $(stat -c %s d6.safetensors 2>/dev/null) B; $(loadable d6.safetensors); log lines in it: $(grep -ac '^{"bits_per_sample' d6.safetensors) (the 2 lines went to the replaced inode)"
# D6b: same, but the run is killed before its first save: the appended log lines stay in the checkpoint
ttrain d6b.safetensors; z0=$(stat -c %s d6b.safetensors)
( ulimit -v 6000000; exec timeout -s KILL 1.5 "$W" train D --checkpoint d6b.safetensors --resume --steps 1000000 --threads 1 --save-every 1000000 --validate-every 1000000 --log d6b.safetensors ) \
    >"$LOGS/D6b.out" 2>"$LOGS/D6b.err" </dev/null
RC=$?; LAST=D6b; EXPECTKILL=1
emit D6b "--log = --checkpoint, run SIGKILLed (1.5 s) before a save" "checkpoint $z0 -> $(stat -c %s d6b.safetensors 2>/dev/null) B; $(grep -ac '^{"bits_per_sample' d6b.safetensors) log lines appended; $(loadable d6b.safetensors)"
EXPECTKILL=

# D7: --resume trusts stored train settings
for v in "a gradient_clip_-1 {\"gradient_clip\":-1}" "b learning_rate_1e9 {\"learning_rate\":1e9}" "c batch_10^12 {\"batch\":1000000000000}"; do
    set -- $v; k=$1 what=$2 js=$3
    ttrain d7$k.safetensors; st train d7$k.safetensors d7$k.safetensors "$js"
    run D7$k 20 "$W" train D --checkpoint d7$k.safetensors --resume --steps 2 "${RES[@]}"
    emit D7$k "--resume with stored $what" "$([ $RC = 0 ] && echo 'accepted (not refused)' || verd); checkpoint: $(st check d7$k.safetensors); $(loadable d7$k.safetensors); settings: $( ( ulimit -v 6000000; timeout 20 "$W" info d7$k.safetensors ) 2>/dev/null | sed -n 's/^training: *//p' | sed 's/, silence threshold.*//')"
done

# D8: negative Adam second moment
ttrain d8.safetensors; st setval d8.safetensors d8.safetensors optimizer.v.input.weight 0 -1.0
run D8 20 "$W" train D --checkpoint d8.safetensors --resume --steps 2 "${RES[@]}"
emit D8 "--resume with negative optimizer.v value" "$([ $RC = 0 ] && echo 'accepted (not refused)' || verd); saved: $(st check d8.safetensors); $(loadable d8.safetensors)"

# D9: two trainings of one checkpoint at once
ttrain d9.safetensors
( ulimit -v 6000000; exec timeout -k 3 20 "$W" train D --checkpoint d9.safetensors --resume --steps 1000000 --threads 1 --save-every 20 --validate-every 100000 ) \
    >"$LOGS/D9.bg.out" 2>"$LOGS/D9.bg.err" </dev/null &
BGPID=$!
sleep 1.5
run D9 20 "$W" train D --checkpoint d9.safetensors --resume --steps 2 "${RES[@]}"
rc2=$RC; alive=$(kill -0 "$BGPID" 2>/dev/null && echo running || echo "already exited")
kill -TERM "$BGPID" 2>/dev/null; wait "$BGPID"; rc1=$?; BGPID=
emit D9 "two trainings of one checkpoint at once" "second run $([ $rc2 = 0 ] && echo 'NOT refused (no lock)' || echo refused) while first $alive; first exit $rc1 on SIGTERM; final: $(st check d9.safetensors); $(loadable d9.safetensors)"

# D10a: --count 3 with NAME-2.wav a directory (checked up front?)
mkdir -p d10a/take-2.wav; touch d10a/take-2.wav/keep
run D10a 20 "$W" generate --checkpoint "$TINY" --count 3 --seconds 0.5 --out d10a/take.wav
emit D10a "generate --count 3, take-2.wav is a folder" "files left: $(cd d10a && ls -A | grep -v '^take-2.wav$' | tr '\n' ' ')"
# D10b: --count 3 where take 2 fails at write time (tmpfs that holds one take)
mkdir -p d10fs
if mount -t tmpfs -o size=48k tmpfs d10fs; then
    run D10b 20 "$W" generate --checkpoint "$TINY" --count 3 --seconds 1 --out d10fs/take.wav
    emit D10b "generate --count 3, disk full after take 1" "files left: $(cd d10fs && ls -A | tr '\n' ' ')"
    umount d10fs
else
    RC=-; LAST=none; : >"$LOGS/none.err"; emit D10b "generate --count 3, disk full after take 1" "skipped: mount tmpfs failed"
fi

# D11: SIGINT 1 s into a 60 s generate (default model)
( ulimit -v 6000000; exec timeout --preserve-status -k 15 -s INT 1 "$W" generate --seconds 60 --out d11.wav ) >"$LOGS/D11.out" 2>"$LOGS/D11.err" </dev/null
RC=$?; LAST=D11
emit D11 "SIGINT during generate --seconds 60" "exit $RC after SIGINT; $([ -f d11.wav ] && echo "d11.wav written, $(dur d11.wav)s" || echo 'no d11.wav'); temp files left: $(ls -A | grep -c '^\.d11\.tmp-')"

# ================================================================ crashes / memory
# C1: FLAC whose STREAMINFO claims 2^36-1 frames
sox -n -r 16000 -c 1 -b 16 c1src.flac synth 0.5 sine 440
st flacbig c1src.flac c1.flac
run C1a 20 "$W" info c1.flac
emit C1a "info of FLAC claiming 2^36 frames" "$(outline C1a 'frames|duration' || true)"
run C1b 20 "$W" eval --checkpoint "$TINY" c1.flac
emit C1b "eval of FLAC claiming 2^36 frames" "$(outline C1b 'bits/sample' || true)"
run C1c 20 "$W" play c1.flac --device "file:'$S/c1.raw',raw"
emit C1c "play of FLAC claiming 2^36 frames" "raw bytes written: $(stat -c %s c1.raw 2>/dev/null || echo none)"

# C2: audio through a pipe on /dev/stdin
sox -n -r 16000 -c 1 c2.wav synth 0.5 sine 440
sox -n -r 16000 -c 1 c2.au synth 0.5 sine 440
runpipe C2a 20 c2.wav "$W" info /dev/stdin
emit C2a "cat x.wav | info /dev/stdin" "$(outline C2a 'frames' || true) (8000 = correct)"
runpipe C2b 20 c2.au "$W" info /dev/stdin
emit C2b "cat x.au | info /dev/stdin" "$(outline C2b 'frames' || true) (8000 = correct)"

# C3: WAV whose data chunk claims 0xFFFFFFF0 bytes
st wavbig c3.wav
run C3a 20 "$W" info c3.wav
emit C3a "info of 3 KB WAV with data size 0xFFFFFFF0" "$(stat -c %s c3.wav) B file; $(outline C3a 'frames' || true)"
run C3b 20 "$W" eval --checkpoint "$TINY" c3.wav
emit C3b "eval of 3 KB WAV with data size 0xFFFFFFF0" "$(outline C3b 'bits/sample' || true)"

# C4: checkpoints with absurd shapes / values
st shape "$TINY" c4a.safetensors input.bias '[4611686018427387904]'
run C4a 20 "$W" info c4a.safetensors
emit C4a "checkpoint tensor shape [2^62]" "$(verd)"
st shape "$TINY" c4b.safetensors input.bias '[2147483648,2147483648,2]'
run C4b 20 "$W" info c4b.safetensors
emit C4b "checkpoint tensor shape [2^31,2^31,2]" "$(verd)"
st meta "$TINY" c4c.safetensors step $IMAX
run C4c 20 "$W" train D --checkpoint c4c.safetensors --resume --steps 2 "${RES[@]}"
emit C4c "train --resume at step Int.max" "checkpoint: $(st check c4c.safetensors); $(loadable c4c.safetensors)"
st huge c4d.safetensors
run C4d 20 "$W" info c4d.safetensors
emit C4d "info of $(stat -c %s c4d.safetensors)-byte checkpoint: huge legal config, no tensors" "$(verd)"
st shape "$TINY" c4e.safetensors layers.0.dilated.bias '[8.5]'
run C4e 20 "$W" info c4e.safetensors
emit C4e "checkpoint tensor shape [8.5]" "$([ $RC = 0 ] && echo 'ACCEPTED (8.5 read as 8)' || verd)"

# C5: option values
run C5a 20 "$W" train D --checkpoint c5a.safetensors "${ARCH[@]}" "${RUN[@]}" --gradient-clip inf
emit C5a "train --gradient-clip inf" "$(acc); checkpoint: $(st check c5a.safetensors)"
run C5b 20 "$W" generate --checkpoint "$TINY" --seconds 1e15 --out c5b.wav
emit C5b "generate --seconds 1e15" "$(acc); $([ -f c5b.wav ] && echo wav written || echo no wav)"
for v in "c nan" "d inf" "e 1e9"; do
    set -- $v
    run C5$1 20 "$W" play --checkpoint "$TINY" --seconds 0.1 --prebuffer $2 --device "file:'$S/c5$1.raw',raw"
    emit C5$1 "play --prebuffer $2" "raw bytes written: $(stat -c %s c5$1.raw 2>/dev/null || echo none)"
done
run C5f 20 "$W" generate --checkpoint "$TINY" --seconds 0.1 --play --prebuffer nan --device "file:'$S/c5f.raw',raw" --out c5f.wav
emit C5f "generate --play --prebuffer nan" "$([ -f c5f.wav ] && echo wav written || echo no wav); raw bytes: $(stat -c %s c5f.raw 2>/dev/null || echo none)"
run C5g 20 "$W" train D --checkpoint c5g.safetensors "${ARCH[@]}" --steps 2 --batch 1 --segment $IMAX --threads 1
emit C5g "train --segment Int.max" "$(acc); $([ -f c5g.safetensors ] && echo checkpoint written || echo no checkpoint)"
run C5h 20 "$W" generate --checkpoint "$TINY" --samples $IMAX --out c5h.wav
emit C5h "generate --samples Int.max" "$(tr '\r' '\n' <"$LOGS/C5h.err" | grep -m1 -oE '^[0-9]+/-?[0-9]+ samples' | sed 's/^/progress shows /'); $([ -f c5h.wav ] && echo "wav of $(soxi -s c5h.wav) samples written after timeout's SIGTERM" || echo no wav)"
mkdir -p c5i
run C5i 20 "$W" generate --checkpoint "$TINY" --count 4096 --seconds 100 --out c5i/x.wav
emit C5i "generate --count 4096 --seconds 100 (26 GB of samples)" "$(acc); files written: $(ls c5i | wc -l)"
run C5j 20 "$W" bench generate "${ARCH[@]}" --streams $IMAX --samples 100
emit C5j "bench generate --streams Int.max" "$(acc)"
run C5k 20 "$W" train D --checkpoint c5k.safetensors "${ARCH[@]}" --steps 2 --batch $IMAX --segment 200 --threads 1
emit C5k "train --batch Int.max" "$(acc); $([ -f c5k.safetensors ] && echo checkpoint written || echo no checkpoint)"
run C5l 20 "$W" train D --checkpoint c5l.safetensors --residual-channels 4 --dilation-channels 4 --skip-channels 8 --stacks $IMAX --depth 3 --steps 2 --batch 1 --segment 200 --threads 1
emit C5l "train --stacks Int.max" "$(acc); $([ -f c5l.safetensors ] && echo checkpoint written || echo no checkpoint)"
run C5m 20 "$W" eval --checkpoint m.safetensors --threads 64 D/tone.wav
emit C5m "eval --threads 64" "$(acc) $(outline C5m 'all files' || true)"
run C5n 20 "$W" eval --checkpoint m.safetensors --threads 200 D/tone.wav
emit C5n "eval --threads 200" "$(acc) $(outline C5n 'all files' || true)"
st wavrate c5o.wav
run C5o 20 "$W" play c5o.wav --device "file:'$S/c5o.raw',raw"
emit C5o "play WAV claiming 2147483647 Hz, 255 channels" "raw bytes written: $(stat -c %s c5o.raw 2>/dev/null || echo none)"
run C5p 20 "$W" info c5o.wav
emit C5p "info WAV claiming 2147483647 Hz, 255 channels" "$(outline C5p 'sample rate' || true)"

# C6: --log on a full disk (64 KB tmpfs filled up; checkpoint on the normal disk, saved only at the end)
mkdir -p c6fs
if mount -t tmpfs -o size=64k tmpfs c6fs; then
    dd if=/dev/zero of=c6fs/fill bs=4k 2>/dev/null
    run C6 20 "$W" train D --checkpoint c6.safetensors "${ARCH[@]}" --steps 3 --batch 1 --segment 200 --threads 1 --save-every 1000 --validate-every 1 --log c6fs/L.jsonl
    emit C6 "train --log on a full disk" "log $(stat -c %s c6fs/L.jsonl 2>/dev/null || echo none) B; checkpoint $([ -f c6.safetensors ] && echo "saved: $(st check c6.safetensors)" || echo 'NOT saved')"
    umount c6fs
else
    RC=-; LAST=none; : >"$LOGS/none.err"; emit C6 "train --log on a full disk" "skipped: mount tmpfs failed"
fi

# C7: a FIFO as input (nobody writes to it): hang = timeout
mkdir -p c7 c7D; mkfifo c7/f.wav; cp D/tone.wav c7D/; mkfifo c7D/f.wav
run C7a 5 "$W" info c7/f.wav;                                        emit C7a "info FIFO" ""
run C7b 5 "$W" eval --checkpoint "$TINY" c7/f.wav;                   emit C7b "eval FIFO" ""
run C7c 5 "$W" play c7/f.wav --device "file:'$S/c7c.raw',raw";      emit C7c "play FIFO" ""
run C7d 5 "$W" generate --checkpoint "$TINY" --prime c7/f.wav --seconds 0.1 --out c7d.wav; emit C7d "generate --prime FIFO" ""
run C7e 5 "$W" train c7D --checkpoint c7e.safetensors "${ARCH[@]}" "${RUN[@]}"; emit C7e "FIFO inside a training folder" "$(grep -m1 -oE 'training on [0-9]+ files' "$LOGS/C7e.err") (folder: 1 WAV + 1 FIFO); $(grep -c -i warning "$LOGS/C7e.err") warnings"

# C8: play into a pipe device
sox -n -r 16000 -c 1 c8.wav synth 3 sine 440
run C8a 20 "$W" play c8.wav --device "file:'|cat >/dev/null',raw"
emit C8a "play --device file:'|cat >/dev/null' (control)" ""
run C8b 20 "$W" play c8.wav --device "file:'|true',raw"
emit C8b "play --device file:'|true' (reader exits)" ""

# ================================================================ smaller
# S1: symlinked file and symlinked folder inside the training folder
mkdir -p s1/D s1/other s1/otherdir
cp D/tone.wav s1/D/real.wav; cp D/tone2.wav s1/other/linked.wav
sox -n -r 16000 -c 1 s1/otherdir/x.wav synth 1 sine 550; sox -n -r 16000 -c 1 s1/otherdir/y.wav synth 1 sine 770
ln -s "$S/s1/other/linked.wav" s1/D/link.wav; ln -s "$S/s1/otherdir" s1/D/sub
run S1 20 "$W" train s1/D --checkpoint s1.safetensors "${ARCH[@]}" "${RUN[@]}" --validation-fraction 0
n=$(grep -m1 -oE 'training on [0-9]+ files' "$LOGS/S1.err" | grep -oE '[0-9]+')
emit S1 "symlinked file + symlinked folder in training folder" "trained on ${n:-?} of 4 files (1 real, 1 symlinked file, 2 via symlinked folder); $(grep -c -i warning "$LOGS/S1.err") warnings"

# S2: very short audio
st wavn s2one.wav 16000 1
run S2a 20 "$W" eval --checkpoint "$TINY" s2one.wav
emit S2a "eval of a 1-sample WAV" "stdout: $(outline S2a 'all files' || true)"
st wavn s2one48.wav 48000 1
run S2b 20 "$W" eval --checkpoint "$TINY" s2one48.wav
emit S2b "eval of a 1-sample 48 kHz WAV (0 samples after resampling)" "stdout: $(outline S2b 'all files' || true)"
mkdir -p s2D; st wavn s2D/short48.wav 48000 1
run S2c 20 "$W" train s2D --checkpoint s2c.safetensors "${ARCH[@]}" "${RUN[@]}" --silence-threshold off
emit S2c "train, too-short file, --silence-threshold off" "$(grep -q 'silent below 0.0 dBFS' "$LOGS/S2c.err" && echo "reported as 'silent below 0.0 dBFS' although trimming is off" || echo 'no silence message')"
mkdir -p s2E; st wavn s2E/short16.wav 16000 10
run S2d 20 "$W" train s2E --checkpoint s2d.safetensors "${ARCH[@]}" "${RUN[@]}" --silence-threshold off
emit S2d "train, 10-sample 16 kHz file (control)" ""

# S3: generate --seconds 0.00001, then info on the result
run S3a 20 "$W" generate --checkpoint "$TINY" --seconds 0.00001 --out s3.wav
emit S3a "generate --seconds 0.00001" "$([ -f s3.wav ] && echo "wav written, $(soxi -s s3.wav 2>/dev/null) frames" || echo no wav)"
run S3b 20 "$W" info s3.wav
emit S3b "info of that WAV" "$(outline S3b 'frames|duration' || true)"

# S4: conditioned model with a class named "a,b"
mkdir -p "s4/a,b" s4/c; cp D/tone.wav "s4/a,b/"; cp D/tone2.wav s4/c/
run S4a 20 "$W" train s4 --conditioned --checkpoint s4.safetensors "${ARCH[@]}" --steps 1 --batch 1 --segment 200 --threads 1 --validation-fraction 0
emit S4a "train --conditioned with class folder 'a,b'" "$([ -f s4.safetensors ] && echo checkpoint written || echo no checkpoint)"
run S4b 20 "$W" generate --checkpoint s4.safetensors --class a,b --seconds 0.1 --out s4.wav
emit S4b "generate --class a,b" "$([ -f s4.wav ] && echo wav written || echo 'no wav: class a,b unreachable')"

# S5: play --threads 0 / 1000
run S5a 20 "$W" play --checkpoint "$TINY" --seconds 0.1 --threads 0 --device "file:'$S/s5a.raw',raw"
emit S5a "play --threads 0" "$(acc); raw bytes: $(stat -c %s s5a.raw 2>/dev/null || echo none)"
run S5b 20 "$W" play --checkpoint "$TINY" --seconds 0.1 --threads 1000 --device "file:'$S/s5b.raw',raw"
emit S5b "play --threads 1000" "$(acc); raw bytes: $(stat -c %s s5b.raw 2>/dev/null || echo none)"

# S6: stale temp file of a dead process next to the checkpoint
mkdir -p s6; ttrain s6/s6.safetensors; echo junk >s6/.s6.tmp-999999-123.safetensors
run S6 20 "$W" train D --checkpoint s6/s6.safetensors --resume --steps 2 "${RES[@]}"
emit S6 "stale .NAME.tmp-DEADPID-* next to checkpoint" "$([ -e s6/.s6.tmp-999999-123.safetensors ] && echo 'stale temp file left' || echo 'stale temp file removed')"

echo "# done; logs in $LOGS, table in $S/results.md" >&2
