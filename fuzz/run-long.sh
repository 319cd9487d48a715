#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for a given time or number of executions
# and prints, per target, the executions, executions per second and peak RSS that
# libFuzzer reports with -print_final_stats=1, as a Markdown table.
#
#   fuzz/run-long.sh --time 1800              # 30 minutes per target
#   fuzz/run-long.sh --runs 10000000 uri xml  # ten million executions of two targets
#   fuzz/run-long.sh --runs 10000000 --time 1800 --sanitizer none
#                                             # whichever comes first, no ASan
#   fuzz/run-long.sh --time 1800 --keep-going # a crash ends that target, not the run
#
# --sanitizer is passed to cargo fuzz (default: address). The crates hold no unsafe
# code (each has #![forbid(unsafe_code)]), so a long run without ASan loses little
# and runs more inputs in the same time; CI keeps ASan.
#
# Each target works on a copy of its committed seed corpus (fuzz/corpus/<target>/), so
# that a run does not add files to the repository; a crash or a timeout stops the
# script with the libFuzzer log (with --keep-going: that target, whose row says so,
# and the script exits 1 at the end), and the input is in fuzz/artifacts/<target>/.
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked`).
#
# Environment: FUZZ_JOBS_LOG_DIR keeps the logs in that directory (default: a
# temporary one, removed at the end).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

time=
runs=
sanitizer=address
keep_going=
crashed=0
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --time) time="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --sanitizer) sanitizer="$2"; shift 2 ;;
        --keep-going) keep_going=1; shift ;;
        -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
        -*) echo "unknown option $1" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

# Inputs larger than libFuzzer's default (4096 bytes, or the largest seed) where a
# target needs them: the machine target reads one input per few bytes and must reach
# long event sequences; the XML and JSON readers must see inputs with many elements.
extra_flags() {
    case "$1" in
        sos_tracker) echo "-max_len=16384 -len_control=20" ;;
        # At most 2,048 inputs of a few bytes each are read.
        service_directory_machine) echo "-max_len=8192" ;;
        # At most 4,096 inputs of one to a dozen bytes each.
        serverinfo_publisher) echo "-max_len=16384 -len_control=20" ;;
        *) echo "-max_len=65536" ;;
    esac
}

logs="${FUZZ_JOBS_LOG_DIR:-}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ -z "$logs" ]; then
    logs="$work/logs"
fi
mkdir -p "$logs"

if [ ${#targets[@]} -eq 1 ]; then
    cargo +nightly fuzz build -s "$sanitizer" "${targets[0]}" >&2
else
    cargo +nightly fuzz build -s "$sanitizer" >&2
fi

# Without a bound, a minute per target.
if [ -z "$time$runs" ]; then
    time=60
fi
bound=(-runs="${runs:--1}")
if [ -n "$time" ]; then
    bound+=(-max_total_time="$time")
fi

table="| target | executions | exec/s | peak RSS (MB) | seconds |\n|---|---:|---:|---:|---:|\n"
for target in "${targets[@]}"; do
    corpus="$work/corpus/$target"
    mkdir -p "$corpus"
    if [ -d "corpus/$target" ]; then
        cp -R "corpus/$target/." "$corpus/"
    fi
    log="$logs/$target.log"
    echo "==> fuzz: $target (${bound[*]}, sanitizer $sanitizer)" >&2
    started=$(date +%s)
    # shellcheck disable=SC2046 # the flags are words
    if ! cargo +nightly fuzz run -s "$sanitizer" "$target" "$corpus" -- \
        "${bound[@]}" -timeout=30 -print_final_stats=1 $(extra_flags "$target") \
        >"$log" 2>&1; then
        tail -n 60 "$log" >&2
        echo "fuzz target '$target' failed: the input is in fuzz/artifacts/$target/" >&2
        if [ -z "$keep_going" ]; then
            exit 1
        fi
        crashed=1
        seconds=$(( $(date +%s) - started ))
        # The last status line libFuzzer printed: "#<executions> ... exec/s: <n> rss: <m>Mb".
        last="$(grep -E '^#[0-9]+' "$log" | tail -n1 || true)"
        execs="$(sed -E 's/^#([0-9]+).*/\1/' <<<"$last")"
        per_sec="$(sed -nE 's/.*exec\/s: ([0-9]+).*/\1/p' <<<"$last")"
        rss="$(sed -nE 's/.*rss: ([0-9]+)Mb.*/\1/p' <<<"$last")"
        table+="| $target | ${execs:-?} (failed: fuzz/artifacts/$target/) | ${per_sec:-?} | ${rss:-?} | $seconds |\n"
        continue
    fi
    seconds=$(( $(date +%s) - started ))
    stat() { grep -E "^stat::$1:" "$log" | tail -n1 | awk '{print $2}'; }
    execs="$(stat number_of_executed_units)"
    per_sec="$(stat average_exec_per_sec)"
    rss="$(stat peak_rss_mb)"
    echo "    $execs executions, $per_sec/s, peak RSS $rss MB, ${seconds}s" >&2
    table+="| $target | $execs | $per_sec | $rss | $seconds |\n"
done
printf '%b' "$table"
exit "$crashed"
