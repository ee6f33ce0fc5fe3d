#!/usr/bin/env bash
# What a running `bursar serve`'s anonymous memory holds (issue 7, "Load";
# docs/reliability.md): attaches gdb for a moment and asks the process for
# SQLite's memory in use (sqlite3_memory_used(): its page cache, statements and
# schema) and for tcmalloc's split of the heap (malloc_stats(), which tcmalloc
# prints to the server's stderr): bytes in use by the program, and the
# allocator's own free lists (per-thread caches, central/transfer caches, page
# heap) and metadata. Prints one line, in MiB.
#
#   bench/load/heap-probe.sh PID STDERR_LOG [LABEL]
#
# STDERR_LOG: the file the server's stderr goes to (run.sh --keep DIR: its
# server.log while the run lasts, in the run's /tmp/bursar-load.* folder).
# Needs gdb and ptrace rights over the server (root, or the same user with
# kernel.yama.ptrace_scope 0). The server pauses while gdb is attached (well
# under a second).
set -euo pipefail
pid=${1:?PID} log=${2:?STDERR_LOG} label=${3:-probe}
anon=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status")
sqlite=$(timeout 60 gdb -p "$pid" -batch -q -ex 'print (long long) sqlite3_memory_used()' \
  -ex 'call (void) malloc_stats()' 2>&1 | awk '/^\$1 = / {print $3}')
sleep 0.5  # malloc_stats writes from the server's side
# The last block malloc_stats wrote.
tac "$log" | awk '{print} /Bytes in use by application/ {exit}' | tac | awk -v label="$label" -v anon="$anon" \
  -v sqlite="${sqlite:-0}" -v now="$(date -u +%T)" '
  /Bytes in use by application/ {u=$2} /page heap freelist/ {p=$3} /central cache freelist/ {c=$3}
  /transfer cache freelist/ {t=$3} /thread cache freelists/ {h=$3} /malloc metadata/ {m=$3} /Actual memory used/ {a=$3}
  END {printf "%s %s RssAnon %.1f  SQLite in use %.1f  heap in use %.1f  thread caches %.1f  " \
              "central+transfer+page heap %.1f  metadata %.1f  tcmalloc total %.1f\n",
              label, now, anon/1024, sqlite/1048576, u/1048576, h/1048576, (c+t+p)/1048576, m/1048576, a/1048576}'
